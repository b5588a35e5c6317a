// Internal to the http module: org tree editing with history, account management and the
// audit-log viewer (docs/api.md "Registration and administration"), added to the /api/v1 table.
#pragma once

#include "huoju/http/router.hpp"

namespace huoju::http {

void AddAdminRoutes(Router& r);

}  // namespace huoju::http
