// huoju/http/router.hpp
//
// Routes: method + path pattern (`/api/v1/org/nodes/:id`) → handler, with the action the
// authorization function is asked about and whether a session is required. The route table
// is data, so the authorization matrix test can list every endpoint.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "huoju/app/application.hpp"
#include "huoju/http/request.hpp"
#include "huoju/identity/principal.hpp"

namespace huoju::http {

struct Context {
  const Request& request;
  std::map<std::string, std::string> params;       ///< path parameters
  std::shared_ptr<const identity::Principal> who;  ///< set when the route needs a session
  app::Application& app;

  identity::RequestOrigin Origin() const;
};

using Handler = std::function<Result<Response>(Context&)>;

struct Route {
  Method method;
  std::string pattern;
  bool needs_session;
  /// The action asked of Authorize(); nullopt for public routes.
  std::optional<identity::Action> action;
  Handler handler;
  /// The handler uses only in-memory state and never blocks: it may run on an I/O thread
  /// (when the session, if needed, is in the cache).
  bool non_blocking = false;
};

class Router {
 public:
  void Add(Route route);
  /// The route for a method and path, with the path parameters; nullptr when none.
  /// `path_exists` is set when some route matches the path with another method.
  const Route* Match(Method method, const std::string& path,
                     std::map<std::string, std::string>& params, bool& path_exists) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

/// Every `/api/v1` route and the health endpoints.
Router BuildApiRouter();

}  // namespace huoju::http
