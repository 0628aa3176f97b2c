"""How every chart leaves the app: an SVG answer that is safe, private and cheap.

Charts are served from our own origin, so an SVG opened on its own must never run
script (its own Content-Security-Policy). They show staff data, so caches keep
them private, and a browser revalidates by ETag instead of downloading again.
"""

from flask import Response, request

SVG_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-cache",
}


def svg_response(svg: bytes, *, etag: str | None = None) -> Response:
    """An SVG answer that turns itself into a 304 while ``etag`` is unchanged.

    Without an ``etag`` one is computed from the bytes.
    """
    response = Response(svg, mimetype="image/svg+xml", headers=SVG_HEADERS)
    if etag is None:
        response.add_etag()
    else:
        response.set_etag(etag)
    response.make_conditional(request)  # becomes a 304 when the ETag matches
    return response
