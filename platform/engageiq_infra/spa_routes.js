// CloudFront Function (cloudfront-js-2.0), viewer request, default (web) behaviour only.
// A path whose last segment has no file extension is one of the web app's client-side routes
// (/chat/<id>, /files, /admin, /auth/callback): serve index.html so a direct visit or a reload
// works. Files (/assets/x.js, /docs-assets/..., /favicon.svg) pass through untouched, and the
// API never reaches this function (its paths have their own behaviours), so API errors are
// never masked - unlike a 403/404 custom error response (decision 0066).
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var last = uri.substring(uri.lastIndexOf("/") + 1);
  if (last.indexOf(".") === -1) {
    request.uri = "/index.html";
  }
  return request;
}
