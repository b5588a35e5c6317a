// Internal to the http module: the background job routes (docs/api.md "Background jobs").
#pragma once

#include "huoju/http/router.hpp"

namespace huoju::http {

void AddJobRoutes(Router& r);

}  // namespace huoju::http
