// Internal to the http module: the summary routes (docs/api.md "Summaries"), added to the
// /api/v1 table.
#pragma once

#include "huoju/http/router.hpp"

namespace huoju::http {

void AddSummaryRoutes(Router& r);

}  // namespace huoju::http
