"""Middleware of the project itself: a request id on every request and one log line per request."""
import logging
import re
import time
import uuid

from .logs import request_id_var

logger = logging.getLogger("emgplan.request")
# An id from the proxy (nginx's $request_id) is kept when it looks like one; anything else is replaced.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Paths that carry a secret (the password-reset link) are logged by their route, not their value.
_SECRET_PATHS = {"password_reset_confirm"}


class RequestIdMiddleware:
    """Gives each request an id (X-Request-ID in and out), puts it on every log line, and logs the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.META.get("HTTP_X_REQUEST_ID", "")
        if not _VALID_ID.match(rid):
            rid = uuid.uuid4().hex
        request.id = rid
        token = request_id_var.set(rid)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            if logger.isEnabledFor(logging.INFO):
                self._log(request, response, started)
            return response
        finally:
            request_id_var.reset(token)

    @staticmethod
    def _log(request, response, started):
        match = getattr(request, "resolver_match", None)
        path = request.path
        if match is not None and match.url_name in _SECRET_PATHS:
            path = "/" + match.route
        user = getattr(request, "_cached_user", None)  # only if the view already loaded it: no extra query
        logger.info("%s %s %s", request.method, path, response.status_code, extra={
            "method": request.method, "path": path, "status": response.status_code,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
            "user_id": getattr(user, "pk", None),
        })


class RequestSizeLimitMiddleware:
    """Refuses a request whose Content-Length exceeds MAX_REQUEST_BYTES with 413, before its body is read.

    The evidence forms check each file (20 MB) only after the whole upload arrived; without this a 150 MB
    upload would be received in full first. A body sent without Content-Length is still capped by Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE (fields) and the forms (files); nginx's client_max_body_size caps both.
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.limit = settings.MAX_REQUEST_BYTES

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.limit:
            from .errors import request_too_large

            logger.warning("request body of %d bytes refused (limit %d)", length, self.limit,
                           extra={"status": 413, "path": request.path})
            return request_too_large(request, self.limit)
        return self.get_response(request)
