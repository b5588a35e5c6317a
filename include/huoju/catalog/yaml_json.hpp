// huoju/catalog/yaml_json.hpp
//
// YAML values as JSON, the way catalog data files mean them: plain (unquoted) scalars that read
// as numbers or booleans become those, `null`/`~` become null, quoted scalars stay text (so
// "001" keeps its zeros).
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace huoju::catalog {

nlohmann::json YamlToJson(const YAML::Node& node);

}  // namespace huoju::catalog
