// Internal to the http module: registration and its review, a unit's sub-accounts and person
// links, personal link requests, modules (docs/api.md "Registration and administration"),
// added to the /api/v1 table.
#pragma once

#include "huoju/http/router.hpp"

namespace huoju::http {

void AddIdentityRoutes(Router& r);

}  // namespace huoju::http
