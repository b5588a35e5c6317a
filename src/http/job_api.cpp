// The background job routes (docs/api.md "Background jobs"): an account's own jobs, their
// progress, the file of a finished one, and cancel/delete. Everything is in memory (app::Jobs),
// so the routes may run on I/O threads; the file is streamed from disk by the server.
#include "src/http/job_api.hpp"

#include "huoju/app/application.hpp"
#include "huoju/http/input.hpp"

namespace huoju::http {
namespace {

using identity::Action;

std::string JobId(const Context& c) {
  auto it = c.params.find("id");
  return it == c.params.end() ? std::string() : it->second;
}

Result<Response> List(Context& c) {
  return Response::Json(200, c.app.jobs().List(c.who->account_id));
}

Result<Response> Get(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto job, c.app.jobs().Get(c.who->account_id, JobId(c)));
  return Response::Json(200, job);
}

Result<Response> File(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto file, c.app.jobs().File(c.who->account_id, JobId(c)));
  Response r;
  r.status = 200;
  r.content_type = file.content_type;
  r.file_path = file.path;
  r.headers.emplace_back("Content-Disposition", AttachmentDisposition(file.file_name));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Result<Response> Remove(Context& c) {
  HUOJU_RETURN_IF_ERROR(c.app.jobs().Remove(c.who->account_id, JobId(c)));
  return Response::Json(200, {{"ok", true}});
}

}  // namespace

void AddJobRoutes(Router& r) {
  // Any signed-in account may have jobs; each sees only its own (others' are 404).
  r.Add({Method::kGet, "/api/v1/jobs", true, Action::kViewOwnAccount, List, true});
  r.Add({Method::kGet, "/api/v1/jobs/:id", true, Action::kViewOwnAccount, Get, true});
  r.Add({Method::kGet, "/api/v1/jobs/:id/file", true, Action::kViewOwnAccount, File, true});
  r.Add({Method::kDelete, "/api/v1/jobs/:id", true, Action::kViewOwnAccount, Remove, true});
}

}  // namespace huoju::http
