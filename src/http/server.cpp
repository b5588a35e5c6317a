#include "huoju/http/server.hpp"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "huoju/core/json_text.hpp"
#include "huoju/core/log.hpp"
#include "huoju/core/worker_pool.hpp"
#include "huoju/http/router.hpp"
#include "huoju/identity/password.hpp"

namespace huoju::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr const char* kCsp =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'";

Method ToMethod(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

std::string ContentTypeFor(const std::filesystem::path& p) {
  static const std::unordered_map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"}};
  auto it = kTypes.find(p.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

class Connection;

}  // namespace

struct Server::Impl {
  ServerOptions options;
  app::Application& app;
  Router router = BuildApiRouter();
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor{ioc};
  std::optional<net::signal_set> signals;
  std::unique_ptr<WorkerPool> workers;
  std::vector<std::thread> io_threads;
  std::atomic<int64_t> in_flight{0};
  std::atomic<bool> draining{false};
  std::atomic<uint64_t> request_counter{0};
  std::string request_prefix = identity::RandomHex(4);
  std::filesystem::path web_root;
  std::mutex conn_mu;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections;
  uint64_t next_conn_id = 0;
  std::optional<net::steady_timer> drain_timer;
  std::chrono::steady_clock::time_point drain_deadline;

  Impl(ServerOptions o, app::Application& a) : options(std::move(o)), app(a) {}

  void Accept();
  void BeginDrain();
  void CheckDrained();
  /// Routes and answers a request; may block (store, hashing): worker threads only.
  Response Handle(Request& req);
  /// Answers requests whose route never blocks and whose session is cached, right here on the
  /// I/O thread; nullopt means "hand it to a worker".
  std::optional<Response> TryInline(Request& req);
  Response Run(Request& req, const Route& route, std::map<std::string, std::string> params,
               std::shared_ptr<const identity::Principal> who);
  Response ServeStatic(const Request& req);
  std::string NextRequestId() {
    return fmt::format("{}-{:x}", request_prefix, request_counter.fetch_add(1) + 1);
  }
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket&& socket, Server::Impl& server, uint64_t id)
      : stream_(std::move(socket)), server_(server), id_(id) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? "" : ep.address().to_string();
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadRequest(); });
  }

  // Called during shutdown for connections idle between requests.
  void CloseIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
    });
  }

 private:
  void ReadRequest() {
    // While draining, a request already on its way is still read and answered (with
    // Connection: close); connections that stay idle are closed once in-flight work is done.
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
    stream_.expires_after(server_.options.read_timeout);
    // The header first: upload routes get a larger body limit before the body is read.
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Connection::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t bytes) {
    if (ec) {
      return OnRead(ec, bytes);
    }
    const auto& msg = parser_->get();
    std::string_view target(msg.target().data(), msg.target().size());
    target = target.substr(0, target.find('?'));
    if (msg.method() == bhttp::verb::post && IsUploadTarget(target)) {
      parser_->body_limit(server_.options.max_upload_bytes);
    }
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Connection::OnRead, shared_from_this()));
  }

  static bool IsUploadTarget(std::string_view path) {
    auto ends_with = [&](std::string_view suffix) {
      return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
    };
    return path.rfind("/api/v1/", 0) == 0 && (ends_with("/scan") || ends_with("/import"));
  }

  void OnRead(beast::error_code ec, size_t /*bytes*/) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::bad_descriptor) {
      return Close();
    }
    if (ec == bhttp::error::header_limit) {
      return Reject(Status(
          ErrorCode::kHeadersTooLarge,
          fmt::format("请求头过大（上限 {} KiB）", server_.options.max_header_bytes / 1024)));
    }
    if (ec == bhttp::error::body_limit) {
      const bool upload = parser_->is_header_done() &&
                          parser_->get().method() == bhttp::verb::post &&
                          IsUploadTarget(std::string_view(parser_->get().target().data(),
                                                          parser_->get().target().size())
                                             .substr(0, parser_->get().target().find('?')));
      const size_t limit =
          upload ? server_.options.max_upload_bytes : server_.options.max_body_bytes;
      return Reject(Status(ErrorCode::kPayloadTooLarge,
                           upload ? fmt::format("上传文件过大（上限 {} MB）", limit / 1024 / 1024)
                                  : fmt::format("请求体过大（上限 {} KiB）", limit / 1024)));
    }
    if (ec) {
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
        return Reject(Status::BadRequest("HTTP 请求格式错误"));
      }
      return Close();
    }
    auto& msg = parser_->get();
    Request req;
    req.request_id = server_.NextRequestId();
    req.client_address = remote_;
    req.method = ToMethod(msg.method());
    keep_alive_ = msg.keep_alive();
    size_t fields = 0;
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (auto& ch : name) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
      req.headers[name] = std::string(f.value());
      ++fields;
    }
    std::string_view target(msg.target().data(), msg.target().size());
    Status bad;
    if (fields > server_.options.max_header_fields) {
      bad = Status(ErrorCode::kHeadersTooLarge, "请求头字段过多");
    } else if (target.empty() || target.front() != '/') {
      bad = Status::BadRequest("请求地址格式错误");
    } else {
      auto q = target.find('?');
      auto path = PercentDecode(target.substr(0, q), false);
      if (!path.ok() || path->find('\0') != std::string::npos) {
        bad = Status::BadRequest("请求地址含有无效编码");
      } else {
        req.path = *path;
        if (q != std::string_view::npos) {
          auto query = ParseQuery(target.substr(q + 1));
          if (!query.ok()) {
            bad = query.status();
          } else {
            req.query = std::move(query).value();
          }
        }
      }
    }
    req.body = std::move(msg.body());
    head_only_ = req.method == Method::kHead;
    busy_ = true;
    server_.in_flight.fetch_add(1);
    started_ = std::chrono::steady_clock::now();
    method_ = MethodName(req.method);
    path_ = req.path.substr(0, 200);
    request_id_ = req.request_id;
    if (!bad.ok()) {
      keep_alive_ = false;
      return Write(ErrorResponse(bad));
    }
    if (auto inline_response = server_.TryInline(req)) {
      return Write(std::move(*inline_response));
    }
    auto self = shared_from_this();
    auto shared_req = std::make_shared<Request>(std::move(req));
    bool queued = server_.workers->TrySubmit([self, shared_req] {
      Response resp = self->server_.Handle(*shared_req);
      net::post(self->stream_.get_executor(),
                [self, resp = std::move(resp)]() mutable { self->Write(std::move(resp)); });
    });
    if (!queued) {
      Write(ErrorResponse(Status::Unavailable("服务器繁忙，请稍后重试")));
    }
  }

  void Reject(const Status& status) {
    keep_alive_ = false;
    busy_ = true;
    server_.in_flight.fetch_add(1);
    started_ = std::chrono::steady_clock::now();
    method_ = "-";
    path_ = "-";
    request_id_ = server_.NextRequestId();
    Write(ErrorResponse(status));
  }

  void Write(Response resp) {
    if (!resp.file_path.empty()) {
      // A file (a finished export): streamed from disk, never read into memory.
      auto res = std::make_shared<bhttp::response<bhttp::file_body>>();
      beast::error_code ec;
      res->body().open(resp.file_path.c_str(), beast::file_mode::scan, ec);
      if (ec) {
        Write(ErrorResponse(Status::NotFound("文件不存在或已过期")));
        return;
      }
      Send(std::move(res), std::move(resp));
      return;
    }
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->body() = std::move(resp.body);
    Send(std::move(res), std::move(resp));
  }

  template <class Body>
  void Send(std::shared_ptr<bhttp::response<Body>> res, Response resp) {
    res->result(static_cast<unsigned>(resp.status));
    res->version(11);
    res->set(bhttp::field::server, "huoju");
    res->set(bhttp::field::content_type, resp.content_type);
    res->set("X-Request-Id", request_id_);
    res->set("X-Content-Type-Options", "nosniff");
    res->set("X-Frame-Options", "DENY");
    res->set("Referrer-Policy", "no-referrer");
    res->set("Content-Security-Policy", kCsp);
    bool has_cache_control = false;
    for (auto& [k, v] : resp.headers) {
      res->insert(k, v);
      has_cache_control = has_cache_control || k == "Cache-Control";
    }
    if (!has_cache_control) {
      res->set(bhttp::field::cache_control, "no-store");
    }
    const bool keep = keep_alive_ && !server_.draining.load();
    res->keep_alive(keep);
    res->prepare_payload();
    const uint64_t body_size = res->payload_size().value_or(0);
    if (head_only_) {
      res->body() = typename Body::value_type();
      res->set(bhttp::field::content_length, std::to_string(body_size));
    }
    status_ = resp.status;
    // 30 s for the answer, plus time for a big file at a slow 100 KB/s (capped at 2 hours).
    stream_.expires_after(
        std::chrono::seconds(30 + std::min<uint64_t>(body_size / (100 * 1024), 7200)));
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep](beast::error_code ec, size_t) {
                         self->OnWritten(ec, keep);
                       });
  }

  void OnWritten(beast::error_code ec, bool keep) {
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
                  .count();
    // The access log line is built by hand: it runs once per request.
    std::string fields;
    fields.reserve(160);
    fields += "\"request_id\":";
    AppendJsonString(fields, request_id_);
    fields += ",\"method\":";
    AppendJsonString(fields, method_);
    fields += ",\"path\":";
    AppendJsonString(fields, path_);
    fields += fmt::format(",\"status\":{},\"ms\":{:.2f},\"client\":", status_, ms);
    AppendJsonString(fields, remote_);
    LogRaw(status_ >= 500 ? LogLevel::kError : LogLevel::kInfo, "http.request", fields);
    busy_ = false;
    server_.in_flight.fetch_sub(1);
    if (ec || !keep) {
      return LingeringClose();
    }
    ReadRequest();
  }

  // Closing a socket with unread input makes the kernel send a reset, which can destroy the
  // error answer we just wrote. So: stop sending, read and discard what the client still
  // sends (bounded in time and size), then close.
  void LingeringClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      return Close();
    }
    discard_.resize(64 * 1024);
    stream_.expires_after(std::chrono::seconds(2));
    Discard();
  }

  void Discard() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->discarded_ += n;
                              if (ec || self->discarded_ > 64 * 1024 * 1024) {
                                return self->Close();
                              }
                              self->Discard();
                            });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    std::lock_guard<std::mutex> lock(server_.conn_mu);
    server_.connections.erase(id_);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Server::Impl& server_;
  uint64_t id_;
  std::string remote_;
  bool keep_alive_ = true;
  bool head_only_ = false;
  bool busy_ = false;
  int status_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::string method_;
  std::string path_;
  std::string request_id_;
  std::string discard_;
  size_t discarded_ = 0;
};

}  // namespace

void Server::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) {
        return;
      }
      LogEvent(LogLevel::kWarn, "http.accept_failed", {{"error", ec.message()}});
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      uint64_t id;
      std::shared_ptr<Connection> conn;
      {
        std::lock_guard<std::mutex> lock(conn_mu);
        id = ++next_conn_id;
        conn = std::make_shared<Connection>(std::move(socket), *this, id);
        connections[id] = conn;
      }
      conn->Start();
    }
    if (!draining.load()) {
      Accept();
    }
  });
}

void Server::Impl::BeginDrain() {
  if (draining.exchange(true)) {
    return;
  }
  LogEvent(LogLevel::kInfo, "server.draining", {{"in_flight", in_flight.load()}});
  beast::error_code ec;
  acceptor.close(ec);
  drain_deadline = std::chrono::steady_clock::now() + options.drain_timeout;
  drain_timer.emplace(ioc);
  CheckDrained();
}

void Server::Impl::CheckDrained() {
  if (in_flight.load() > 0 && std::chrono::steady_clock::now() < drain_deadline) {
    drain_timer->expires_after(std::chrono::milliseconds(20));
    drain_timer->async_wait([this](beast::error_code) { CheckDrained(); });
    return;
  }
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard<std::mutex> lock(conn_mu);
    for (auto& [id, weak] : connections) {
      if (auto c = weak.lock()) {
        live.push_back(c);
      }
    }
  }
  for (auto& c : live) {
    c->CloseIfIdle();
  }
  // Give the closes a moment to run, then let the I/O threads end.
  drain_timer->expires_after(std::chrono::milliseconds(100));
  drain_timer->async_wait([this](beast::error_code) {
    LogEvent(LogLevel::kInfo, "server.stopped", {{"in_flight", in_flight.load()}});
    work.reset();
    ioc.stop();
  });
}

namespace {

// True when the request carries no Origin (non-browser clients) or one whose host:port is the
// Host the request was sent to (or the X-Forwarded-Host a proxy in front of us saw).
bool SameOrigin(const Request& req) {
  const std::string origin = req.Header("origin");
  if (origin.empty()) {
    return true;
  }
  const size_t scheme_end = origin.find("://");
  if (scheme_end == std::string::npos) {
    return false;  // "null" and other opaque origins
  }
  const std::string host = origin.substr(scheme_end + 3);
  const std::string forwarded = req.Header("x-forwarded-host");
  return host == req.Header("host") || (!forwarded.empty() && host == forwarded);
}

}  // namespace

Response Server::Impl::Run(Request& req, const Route& route,
                           std::map<std::string, std::string> params,
                           std::shared_ptr<const identity::Principal> who) {
  try {
    // A browser names the page that sent a write in `Origin`. Writes without a session (login,
    // registration, reset) have no CSRF token, so a foreign origin is refused for every write.
    if (req.IsWrite() && !SameOrigin(req)) {
      return ErrorResponse(
          Status(ErrorCode::kCsrfFailed, "安全校验失败（请求来自其他网站），请在本系统页面中操作"));
    }
    if (who) {
      if (req.IsWrite() &&
          !identity::ConstantTimeEquals(req.Header("x-csrf-token"), who->csrf_token)) {
        return ErrorResponse(
            Status(ErrorCode::kCsrfFailed, "安全校验失败（CSRF 令牌无效），请刷新页面后重试"));
      }
      if (route.action) {
        Status allowed = identity::Authorize(*who, *route.action, nullptr);
        if (!allowed.ok()) {
          return ErrorResponse(allowed);
        }
      }
    }
    Context ctx{req, std::move(params), std::move(who), app};
    auto result = route.handler(ctx);
    if (!result.ok()) {
      if (result.status().code() == ErrorCode::kInternal) {
        LogEvent(LogLevel::kError, "http.handler_failed",
                 {{"request_id", req.request_id},
                  {"error", result.status().ToString()},
                  {"details", result.status().details()}});
      }
      return ErrorResponse(result.status());
    }
    return std::move(result).value();
  } catch (const std::exception& e) {
    LogEvent(LogLevel::kError, "http.exception",
             {{"request_id", req.request_id}, {"what", e.what()}});
    return ErrorResponse(Status::Internal("服务器内部错误"));
  }
}

std::optional<Response> Server::Impl::TryInline(Request& req) {
  std::map<std::string, std::string> params;
  bool path_exists = false;
  const Route* route = router.Match(req.method, req.path, params, path_exists);
  if (route == nullptr || !route->non_blocking) {
    return std::nullopt;
  }
  std::shared_ptr<const identity::Principal> who;
  if (route->needs_session) {
    who = app.sessions().TryAuthenticateCached(req.Cookie("huoju_session"));
    if (!who) {
      return std::nullopt;  // the store must be asked: a worker does it
    }
  }
  return Run(req, *route, std::move(params), std::move(who));
}

Response Server::Impl::Handle(Request& req) {
  std::map<std::string, std::string> params;
  bool path_exists = false;
  const Route* route = router.Match(req.method, req.path, params, path_exists);
  if (route == nullptr) {
    if (path_exists) {
      return ErrorResponse(Status(ErrorCode::kMethodNotAllowed, "该接口不支持此请求方法"));
    }
    if (req.path.rfind("/api/", 0) == 0 || req.path == "/api") {
      return ErrorResponse(Status::NotFound("接口不存在"));
    }
    if (req.method != Method::kGet && req.method != Method::kHead) {
      return ErrorResponse(Status(ErrorCode::kMethodNotAllowed, "该地址不支持此请求方法"));
    }
    return ServeStatic(req);
  }
  std::shared_ptr<const identity::Principal> who;
  if (route->needs_session) {
    std::string token = req.Cookie("huoju_session");
    if (token.empty()) {
      return ErrorResponse(Status::Unauthenticated("请先登录"));
    }
    auto authenticated = app.sessions().Authenticate(token);
    if (!authenticated.ok()) {
      return ErrorResponse(authenticated.status());
    }
    who = std::move(authenticated).value();
  }
  return Run(req, *route, std::move(params), std::move(who));
}

Response Server::Impl::ServeStatic(const Request& req) {
  auto not_built = [] {
    Response r;
    r.status = 404;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "前端页面尚未构建（请运行 scripts/setup）";
    return r;
  };
  if (web_root.empty()) {
    return not_built();
  }
  for (size_t pos = 0; pos != std::string::npos;) {
    size_t next = req.path.find('/', pos + 1);
    std::string_view seg(req.path.data() + pos + 1,
                         (next == std::string::npos ? req.path.size() : next) - pos - 1);
    if (seg == ".." || seg == "." || seg.find('\\') != std::string_view::npos) {
      return ErrorResponse(Status::BadRequest("请求地址含有不允许的路径"));
    }
    pos = next;
  }
  std::filesystem::path file = web_root / std::filesystem::path(req.path).relative_path();
  std::error_code ec;
  bool spa_fallback = req.path == "/" || !std::filesystem::is_regular_file(file, ec);
  if (spa_fallback) {
    if (req.path.rfind("/assets/", 0) == 0) {
      Response r = ErrorResponse(Status::NotFound("文件不存在"));
      return r;
    }
    file = web_root / "index.html";
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return not_built();
  }
  Response r;
  r.content_type = ContentTypeFor(file);
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  r.headers.emplace_back("Cache-Control", req.path.rfind("/assets/", 0) == 0
                                              ? "public, max-age=31536000, immutable"
                                              : "no-cache");
  return r;
}

Server::Server(ServerOptions options, app::Application& app)
    : impl_(std::make_unique<Impl>(std::move(options), app)) {}

Server::~Server() {
  Stop();
  Wait();
}

Status Server::Start() {
  auto& im = *impl_;
  if (!im.options.web_root.empty()) {
    std::error_code ec;
    im.web_root = std::filesystem::weakly_canonical(im.options.web_root, ec);
  }
  beast::error_code ec;
  auto address = net::ip::make_address(im.options.host, ec);
  if (ec) {
    return Status::Invalid(fmt::format("监听地址“{}”无效", im.options.host));
  }
  tcp::endpoint endpoint(address, im.options.port);
  im.acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    im.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    im.acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    im.acceptor.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Status::Unavailable(
        fmt::format("无法监听 {}:{}：{}", im.options.host, im.options.port, ec.message()));
  }
  im.workers = std::make_unique<WorkerPool>(im.options.worker_threads, im.options.max_queued);
  im.work.emplace(im.ioc.get_executor());
  im.Accept();
  for (int i = 0; i < std::max(1, im.options.io_threads); ++i) {
    im.io_threads.emplace_back([&im] { im.ioc.run(); });
  }
  return Status::Ok();
}

uint16_t Server::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::StopOnSignals() {
  auto& im = *impl_;
  im.signals.emplace(im.ioc, SIGTERM, SIGINT);
  im.signals->async_wait([this](beast::error_code ec, int signo) {
    if (!ec) {
      LogEvent(LogLevel::kInfo, "server.signal", {{"signal", signo}});
      Stop();
    }
  });
}

void Server::Stop() {
  auto& im = *impl_;
  if (im.io_threads.empty()) {
    return;
  }
  net::post(im.ioc, [&im] { im.BeginDrain(); });
}

void Server::Wait() {
  auto& im = *impl_;
  for (auto& t : im.io_threads) {
    if (t.joinable()) {
      t.join();
    }
  }
  if (im.workers) {
    im.workers->Shutdown();
  }
}

}  // namespace huoju::http
