// huoju/http/server.hpp
//
// The HTTP server (Boost.Beast on Asio; see docs/decisions.md for why not RESTinio).
// I/O threads only parse, route and write; every handler runs on a bounded worker pool, and
// a full pool answers 503 at once. Limits: header bytes, body bytes, header count, read and
// write timeouts; a violation is answered with a JSON 4xx before the connection is closed.
// Stop() is graceful: it stops accepting, lets in-flight requests finish and answer, then
// closes idle connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "huoju/app/application.hpp"
#include "huoju/core/status.hpp"

namespace huoju::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  ///< 0 picks a free port; see Server::port()
  int io_threads = 1;
  int worker_threads = 4;
  size_t max_queued = 1024;
  std::string web_root;  ///< folder with the built web app; empty serves none
  size_t max_header_bytes = 64 * 1024;
  size_t max_header_fields = 100;
  size_t max_body_bytes = 1024 * 1024;
  /// Upload routes (POST …/scan, …/import): a larger body limit, set once the header is read.
  size_t max_upload_bytes = 12 * 1024 * 1024;
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds drain_timeout{20};
};

class Server {
 public:
  Server(ServerOptions options, app::Application& app);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and starts the I/O and worker threads. Error when the address cannot be bound.
  Status Start();
  /// The bound port (useful with port 0).
  uint16_t port() const;
  /// Makes SIGTERM and SIGINT call Stop().
  void StopOnSignals();
  /// Begins a graceful stop; returns at once. Thread-safe, idempotent.
  void Stop();
  /// Blocks until the server has stopped and every thread has ended.
  void Wait();

  struct Impl;  ///< implementation detail, named here so connections can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace huoju::http
