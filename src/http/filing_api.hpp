// Internal to the http module: the survey workflow routes, added to the /api/v1 table.
#pragma once

#include "huoju/http/router.hpp"

namespace huoju::http {

void AddFilingRoutes(Router& r);

}  // namespace huoju::http
