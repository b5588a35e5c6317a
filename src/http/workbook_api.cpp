// The Excel workbook routes (docs/api.md "Excel workbooks"). Handlers only translate HTTP to
// app::Workbooks calls; every decision is made there. The import route ends in /import, so
// the server reads its body with the upload limit (12 MB) instead of the JSON one.
#include "src/http/workbook_api.hpp"

#include <fmt/format.h>

#include "huoju/app/workbook.hpp"
#include "huoju/http/router.hpp"

namespace huoju::http {
namespace {

using identity::Action;

std::string Query(const Context& c, const std::string& name) {
  auto it = c.request.query.find(name);
  return it == c.request.query.end() ? std::string() : it->second;
}

Result<int64_t> QueryId(const Context& c, const std::string& name, const std::string& label) {
  const std::string text = Query(c, name);
  if (text.empty()) {
    return int64_t{0};
  }
  int64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9' || v > 99'999'999'999) {
      return Status::InvalidField(name, fmt::format("{}应为正整数", label));
    }
    v = v * 10 + (ch - '0');
  }
  return v;
}

Result<bool> QueryFlag(const Context& c, const std::string& name, const std::string& label) {
  const std::string text = Query(c, name);
  if (text.empty() || text == "0" || text == "false") {
    return false;
  }
  if (text == "1" || text == "true") {
    return true;
  }
  return Status::InvalidField(name, fmt::format("{}应为 1 或 0", label));
}

app::Workbooks WorkbooksOf(Context& c) {
  return app::Workbooks(c.app.db(), c.app.directory(), c.app.catalogs(), c.app.filings());
}

Result<Response> Template(Context& c) {
  const std::string layout = Query(c, "layout");
  if (!layout.empty() && layout != "unit" && layout != "batch") {
    return Status::InvalidField("layout", "模板类型应为 unit（单个单位）或 batch（批量）");
  }
  HUOJU_ASSIGN_OR_RETURN(int64_t unit, QueryId(c, "unit", "单位"));
  HUOJU_ASSIGN_OR_RETURN(int64_t node, QueryId(c, "node", "机构"));
  HUOJU_ASSIGN_OR_RETURN(bool prefill, QueryFlag(c, "prefill", "是否带入当前数据"));
  HUOJU_ASSIGN_OR_RETURN(
      auto file, WorkbooksOf(c).Template(
                     *c.who, Query(c, "form"), Query(c, "period"),
                     layout == "batch" ? app::WorkbookLayout::kBatch : app::WorkbookLayout::kUnit,
                     unit, node, prefill));
  Response r;
  r.status = 200;
  r.content_type = file.content_type;
  r.body = std::move(file.bytes);
  r.headers.emplace_back("Content-Disposition", AttachmentDisposition(file.file_name));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Result<Response> Import(Context& c) {
  app::WorkbookImportOptions options;
  HUOJU_ASSIGN_OR_RETURN(options.clean_only, QueryFlag(c, "clean_only", "是否只导入无误的单位"));
  HUOJU_ASSIGN_OR_RETURN(options.submit, QueryFlag(c, "submit", "是否导入后上报"));
  HUOJU_ASSIGN_OR_RETURN(options.check_only, QueryFlag(c, "check_only", "是否只检查不写入"));
  if (c.request.body.empty()) {
    return Status::InvalidField("file", "请上传填好的 Excel 模板（.xlsx）");
  }
  HUOJU_ASSIGN_OR_RETURN(auto result,
                         WorkbooksOf(c).Import(*c.who, c.request.body, options, c.Origin()));
  return Response::Json(200, result);
}

}  // namespace

void AddWorkbookRoutes(Router& r) {
  // The template route asks kViewFiling of the router; Workbooks::Template asks kReviewFiling
  // for batch templates and checks the unit or node against the caller's scope.
  r.Add({Method::kGet, "/api/v1/workbooks/template", true, Action::kViewFiling, Template, false});
  // Import: reviewers (batch or units in scope) and units (their own unit workbook only);
  // Workbooks::Import decides.
  r.Add({Method::kPost, "/api/v1/workbooks/import", true, Action::kViewFiling, Import, false});
}

}  // namespace huoju::http
