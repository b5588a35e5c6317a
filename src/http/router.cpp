#include "huoju/http/router.hpp"

namespace huoju::http {
namespace {

bool MatchPattern(const std::string& pattern, const std::string& path,
                  std::map<std::string, std::string>& params) {
  size_t pi = 0;
  size_t si = 0;
  while (pi < pattern.size() && si < path.size()) {
    if (pattern[pi] == ':') {
      size_t pend = pattern.find('/', pi);
      if (pend == std::string::npos) {
        pend = pattern.size();
      }
      size_t send = path.find('/', si);
      if (send == std::string::npos) {
        send = path.size();
      }
      if (send == si) {
        return false;
      }
      params[pattern.substr(pi + 1, pend - pi - 1)] = path.substr(si, send - si);
      pi = pend;
      si = send;
      continue;
    }
    if (pattern[pi] != path[si]) {
      return false;
    }
    ++pi;
    ++si;
  }
  return pi == pattern.size() && si == path.size();
}

}  // namespace

identity::RequestOrigin Context::Origin() const {
  return {request.client_address, request.Header("user-agent"), request.request_id};
}

void Router::Add(Route route) {
  routes_.push_back(std::move(route));
}

const Route* Router::Match(Method method, const std::string& path,
                           std::map<std::string, std::string>& params, bool& path_exists) const {
  path_exists = false;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> p;
    if (MatchPattern(r.pattern, path, p)) {
      if (r.method == method || (method == Method::kHead && r.method == Method::kGet)) {
        params = std::move(p);
        return &r;
      }
      path_exists = true;
    }
  }
  return nullptr;
}

}  // namespace huoju::http
