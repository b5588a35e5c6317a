// Internal to the http module: the Excel workbook routes (templates, imports), added to the
// /api/v1 table.
#pragma once

#include "huoju/http/router.hpp"

namespace huoju::http {

void AddWorkbookRoutes(Router& r);

}  // namespace huoju::http
