"""The lab's WSGI application: HTTP glue around the planner.

parse (:mod:`.parse`) -> authenticate (:mod:`.auth`) -> plan (:mod:`.planner`) -> decide -> forward to moto
-> record (:mod:`.recording`). moto's per-service applications run in-process behind this middleware, so
an allowed request costs one extra function call, not an extra HTTP hop. Requests are served one at a time
(moto's state is not thread-safe).
"""
from __future__ import annotations

import io
import threading
import traceback
import uuid
from typing import Any, Callable, Iterable

from .auth import Authenticated, authenticate
from .body import IDLE_SECONDS, TOTAL_SECONDS, read_request_body, wire_service
from .decide import Authorizer, Call, Step
from .errors import EXPLANATION_HEADER, AwsError, explanation_header
from .moto_seam import MotoState
from .operations import Op
from .parse import parse_call, read_request, service_hint
from .planner import Plan, denial, operation_of, plan
from .recording import Recorder, explanation_of
from .s3_response import drop_head_body
from .services import SERVICES
from .services import s3 as s3_service
from .trail import Trail

__all__ = ["LabApp"]

_REASONS = {200: "OK", 204: "No Content", 206: "Partial Content", 304: "Not Modified", 400: "Bad Request",
            403: "Forbidden", 404: "Not Found", 409: "Conflict", 500: "Internal Server Error"}
Response = tuple[int, dict[str, str], bytes]


class LabApp:
    """WSGI callable. ``state``: the moto seam; ``trail``: where records go; ``authorizer``: gathers policies
    and decides (shared with the widgets)."""

    def __init__(self, state: MotoState, trail: Trail):
        self.state = state
        self.trail = trail
        self.authorizer = Authorizer(state)
        self.recorder = Recorder(trail, self.authorizer)
        self.lock = threading.RLock()
        self.body_idle_seconds, self.body_total_seconds = IDLE_SECONDS, TOTAL_SECONDS

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:  # the body is read in this request's thread, with a deadline, before the shared lock (body.py)
            read_request_body(environ, wire_service(environ), self.body_idle_seconds, self.body_total_seconds)
        except AwsError as err:
            status, headers, body = err.render()
            headers["Connection"] = "close"
        else:
            with self.lock:
                status, headers, body = self.handle(environ)
        body = drop_head_body(environ["REQUEST_METHOD"], headers, body)
        start_response(f"{status} {_REASONS.get(status, '')}", list(headers.items()))
        return [body]

    def handle(self, environ: dict[str, Any]) -> Response:
        method, raw_uri, headers, body = read_request(environ)
        request_id = uuid.uuid4().hex.upper()[:16]
        try:
            auth = authenticate(self.state, method, raw_uri, headers, body, service_hint(headers, body))
        except AwsError as err:
            self.recorder.refusal(err, None, headers, environ, request_id)
            return err.render(request_id)
        try:
            call = parse_call(environ, auth, method, headers, body)
            op = operation_of(call)
        except AwsError as err:
            self.recorder.refusal(err, auth, headers, environ, request_id)
            return err.render(request_id)
        except Exception as exc:  # fail closed (see below)
            traceback.print_exc()
            return self._internal_error(auth, headers, environ, request_id,
                                        f"The lab could not read this request ({type(exc).__name__}); it was refused.")
        try:
            handler = _OWN_HANDLERS.get((call.service, call.operation), LabApp.dispatch)
            return handler(self, environ, call, op, request_id)
        except AwsError as err:
            return err.render(request_id)
        except Exception as exc:  # fail closed, in AWS's shape, and say so (never a bare traceback page)
            traceback.print_exc()
            return self._internal_error(auth, headers, environ, request_id,
                                        f"The lab could not handle {call.service}:{call.operation} "
                                        f"({type(exc).__name__}: {exc}); it was refused. Please report this.")

    def _internal_error(self, auth: Authenticated, headers: dict[str, str], environ: dict[str, Any],
                        request_id: str, message: str) -> Response:
        service = SERVICES.get(auth.service)
        err = AwsError(auth.service, service.INTERNAL_ERROR if service is not None else "InternalFailure", message, 500)
        self.recorder.refusal(err, auth, headers, environ, request_id)
        return err.render(request_id)

    # ------------------------------------------------------------------ dispatch
    def dispatch(self, environ: dict[str, Any], call: Call, op: Op, request_id: str) -> Response:
        """Plan the call, decide its steps, run the service's checks, apply its effects around moto, record."""
        steps: list[Step] = []
        try:
            planned = plan(call, self.authorizer)
            steps = planned.steps
            if planned.refusal is not None:
                raise planned.refusal
            denied = planned.decide() or planned.check()
            if denied is not None:
                if denied not in steps:
                    steps.append(denied)
                return self.deny(call, op, denied, steps, request_id)
            if planned.before is not None:
                planned.before()
            if planned.serve is not None:
                status, headers, body = planned.serve(request_id)
            else:
                status, headers, body = self.forward(environ, call, planned)
            if planned.answer_headers is not None:
                headers = planned.answer_headers(status, headers, body, request_id)
            if status < 300:
                if planned.after is not None:
                    planned.after(body)
                if planned.finish is not None:
                    body = planned.finish(body)
                    headers.pop("Content-Length", None)
        except AwsError as err:
            # Refused after planning (bad parameter, key state, malformed policy...): still a trail record.
            self.recorder.record(call, op, steps, request_id, err.status, b"", error=err,
                                 explanation=explanation_of(steps))
            raise
        explanation = explanation_of(steps)
        self.recorder.record(call, op, steps, request_id, status, body, error=None, explanation=explanation,
                             response_headers=headers)
        headers[EXPLANATION_HEADER] = explanation_header(explanation)
        return status, headers, body

    def denial(self, call: Call, step: Step) -> AwsError:
        """The error AWS answers for ``step`` denied (see :func:`.planner.denial`)."""
        return denial(call, step, self.authorizer.bucket_owner(call.bucket) if call.bucket else "")

    def deny(self, call: Call, op: Op, step: Step, steps: list[Step], request_id: str) -> Response:
        err = self.denial(call, step)
        self.recorder.record(call, op, steps, request_id, err.status, b"", error=err, explanation=explanation_of(steps))
        return err.render(request_id)

    # ------------------------------------------------------------------ moto
    def forward(self, environ: dict[str, Any], call: Call, planned: Plan | None = None) -> Response:
        """Send the request to moto's application for the call's service, in the account it acts in."""
        env = dict(environ)
        env["wsgi.input"].seek(0)
        if call.caller.account:
            env["HTTP_X_MOTO_ACCOUNT_ID"] = call.caller.account
        if planned is not None:
            env.update(planned.environ)
            if planned.body is not None:
                env["wsgi.input"] = io.BytesIO(planned.body)
                env["CONTENT_LENGTH"] = str(len(planned.body))
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"] = int(status.split()[0])
            captured["headers"] = headers

        chunks = self.state.backend_app(call.service)(env, start_response)
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return captured.get("status", 500), {k: v for k, v in captured.get("headers", [])}, body


# Operations whose HTTP exchange is not one plan (S3 decides DeleteObjects key by key).
_OWN_HANDLERS: dict[tuple[str, str], Callable[..., Response]] = {("s3", "DeleteObjects"): s3_service.delete_objects}
