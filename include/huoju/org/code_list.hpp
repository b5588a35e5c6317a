// huoju/org/code_list.hpp
//
// The national reference code lists compiled into the binary (catalog/codes/*.csv).
#pragma once

#include "huoju/core/code_list.hpp"

namespace huoju::org {

/// GB/T 2260 regions to county level.
const CodeList& Regions();
/// GB/T 4754-2017 industries (门类 men, 大类 da, 中类 zhong, 小类 xiao).
const CodeList& Industries();
/// 国家重点支持的高新技术领域 (2016).
const CodeList& HighTechFields();

}  // namespace huoju::org
