#include "huoju/catalog/yaml_json.hpp"

#include <cstdlib>
#include <string>

namespace huoju::catalog {

nlohmann::json YamlToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : n) {
        out.push_back(YamlToJson(item));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : n) {
        out[kv.first.as<std::string>()] = YamlToJson(kv.second);
      }
      return out;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& text = n.Scalar();
  if (n.Tag() == "?") {  // plain (unquoted)
    if (text == "true" || text == "false") {
      return text == "true";
    }
    if (text == "null" || text == "~") {
      return nullptr;
    }
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size()) {
      return v;
    }
  }
  return text;
}

}  // namespace huoju::catalog
