#include "huoju/http/input.hpp"

#include <fmt/format.h>

#include <charconv>

#include "huoju/rules/engine.hpp"

namespace huoju::http {
namespace {

Result<int64_t> ParseInt64(std::string_view text, const std::string& field,
                           const std::string& label, int64_t lo, int64_t hi) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < lo || v > hi) {
    return Status::InvalidField(field, fmt::format("{}应为 {} 到 {} 之间的整数", label, lo, hi));
  }
  return v;
}

}  // namespace

Result<JsonBody> JsonBody::Parse(const Request& request, const std::vector<std::string>& allowed) {
  std::string type = request.Header("content-type");
  if (type.rfind("application/json", 0) != 0) {
    return Status(ErrorCode::kUnsupportedMediaType, "请求体类型应为 application/json");
  }
  JsonBody body;
  body.json_ = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.json_.is_discarded()) {
    return Status::BadRequest("请求体不是有效的 JSON");
  }
  if (!body.json_.is_object()) {
    return Status::BadRequest("请求体应为 JSON 对象");
  }
  for (const auto& [key, value] : body.json_.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Status::InvalidField(key, fmt::format("不认识的字段“{}”", key.substr(0, 64)));
    }
  }
  return body;
}

Result<std::string> JsonBody::OptionalString(const std::string& name, const std::string& label,
                                             size_t max_chars) const {
  auto it = json_.find(name);
  if (it == json_.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return Status::InvalidField(name, fmt::format("{}应为文本", label));
  }
  const std::string& s = it->get_ref<const std::string&>();
  auto len = Utf8Length(s);
  if (!len) {
    return Status::InvalidField(name, fmt::format("{}含有无效字符编码", label));
  }
  if (*len > max_chars) {
    return Status::InvalidField(name, fmt::format("{}不能超过{}个字符", label, max_chars));
  }
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\t') {
      return Status::InvalidField(name, fmt::format("{}含有控制字符", label));
    }
  }
  return s;
}

Result<std::string> JsonBody::RequiredString(const std::string& name, const std::string& label,
                                             size_t max_chars) const {
  auto it = json_.find(name);
  if (it == json_.end() || it->is_null() ||
      (it->is_string() && it->get_ref<const std::string&>().empty())) {
    return Status::InvalidField(name, fmt::format("{}不能为空", label));
  }
  return OptionalString(name, label, max_chars);
}

Result<int64_t> JsonBody::RequiredInt(const std::string& name, const std::string& label) const {
  auto it = json_.find(name);
  if (it == json_.end() || it->is_null()) {
    return Status::InvalidField(name, fmt::format("{}不能为空", label));
  }
  if (!it->is_number_integer()) {
    return Status::InvalidField(name, fmt::format("{}应为整数", label));
  }
  return it->get<int64_t>();
}

Result<std::string> JsonBody::OptionalText(const std::string& name, const std::string& label,
                                           size_t max_chars) const {
  auto it = json_.find(name);
  if (it == json_.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return Status::InvalidField(name, fmt::format("{}应为文本", label));
  }
  const std::string& s = it->get_ref<const std::string&>();
  auto len = Utf8Length(s);
  if (!len) {
    return Status::InvalidField(name, fmt::format("{}含有无效字符编码", label));
  }
  if (*len > max_chars) {
    return Status::InvalidField(name, fmt::format("{}不能超过{}个字符", label, max_chars));
  }
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return Status::InvalidField(name, fmt::format("{}含有控制字符", label));
    }
  }
  return s;
}

Result<bool> JsonBody::RequiredBool(const std::string& name, const std::string& label) const {
  auto it = json_.find(name);
  if (it == json_.end() || !it->is_boolean()) {
    return Status::InvalidField(name, fmt::format("{}应为 true 或 false", label));
  }
  return it->get<bool>();
}

Result<std::optional<int>> JsonBody::OptionalDate(const std::string& name,
                                                  const std::string& label) const {
  auto it = json_.find(name);
  if (it == json_.end() || it->is_null()) {
    return std::optional<int>();
  }
  std::optional<int> days;
  if (it->is_string()) {
    days = rules::ParseDate(it->get_ref<const std::string&>());
  }
  if (!days) {
    return Status::InvalidField(name, fmt::format("{}应为日期，格式 YYYY-MM-DD", label));
  }
  return days;
}

Result<nlohmann::json> JsonBody::OptionalObject(const std::string& name,
                                                const std::string& label) const {
  auto it = json_.find(name);
  if (it == json_.end() || it->is_null()) {
    return nlohmann::json::object();
  }
  if (!it->is_object()) {
    return Status::InvalidField(name, fmt::format("{}应为对象", label));
  }
  return *it;
}

Result<std::vector<int64_t>> JsonBody::IdList(const std::string& name, const std::string& label,
                                              size_t max) const {
  auto it = json_.find(name);
  if (it == json_.end() || !it->is_array() || it->empty() || it->size() > max) {
    return Status::InvalidField(name, fmt::format("{}应为 1 到 {} 个编号的列表", label, max));
  }
  std::vector<int64_t> ids;
  for (const auto& v : *it) {
    if (!v.is_number_integer() || v.get<int64_t>() <= 0) {
      return Status::InvalidField(name, fmt::format("{}中的编号应为正整数", label));
    }
    ids.push_back(v.get<int64_t>());
  }
  return ids;
}

const nlohmann::json& JsonBody::Raw(const std::string& name) const {
  static const nlohmann::json kNull;
  auto it = json_.find(name);
  return it == json_.end() ? kNull : *it;
}

Result<int64_t> PathId(const std::map<std::string, std::string>& params, const std::string& name) {
  auto it = params.find(name);
  if (it == params.end()) {
    return Status::BadRequest("缺少编号");
  }
  auto v = ParseInt64(it->second, name, "编号", 1, 999'999'999'999);
  if (!v.ok()) {
    return Status::NotFound("机构不存在或不在您的管辖范围内");
  }
  return v;
}

Result<org::Page> PageFromQuery(const Request& request) {
  org::Page page;
  if (auto it = request.query.find("offset"); it != request.query.end()) {
    HUOJU_ASSIGN_OR_RETURN(page.offset, ParseInt64(it->second, "offset", "偏移量", 0, 100'000'000));
  }
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    HUOJU_ASSIGN_OR_RETURN(page.limit, ParseInt64(it->second, "limit", "每页条数", 1, 200));
  }
  return page;
}

Result<std::optional<org::NodeKind>> KindFromQuery(const Request& request) {
  auto it = request.query.find("kind");
  if (it == request.query.end() || it->second.empty()) {
    return std::optional<org::NodeKind>();
  }
  auto kind = org::ParseNodeKind(it->second);
  if (!kind) {
    return Status::InvalidField("kind",
                                "机构类型应为 center、province、city、zone、registry 或 unit");
  }
  return std::optional<org::NodeKind>(kind);
}

}  // namespace huoju::http
