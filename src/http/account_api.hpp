// Internal to the http module: password change and reset, own and administered sessions
// (docs/api.md "Accounts and sessions"), added to the /api/v1 table.
#pragma once

#include "huoju/http/router.hpp"

namespace huoju::http {

void AddAccountRoutes(Router& r);

}  // namespace huoju::http
