#include "monitor/http_listener.h"

#include <httplib.h>

#include <charconv>

#include "base/logging.h"
#include "base/socket_address.h"

namespace volumed::monitor {
namespace {

constexpr const char* kHtml = "text/html; charset=utf-8";
constexpr const char* kExposition = "text/plain; version=0.0.4; charset=utf-8";

// ?refresh=N (0..3600), else the default.
int RefreshOf(const httplib::Request& req, int fallback) {
  if (!req.has_param("refresh")) return fallback;
  const std::string v = req.get_param_value("refresh");
  int n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < 0 || n > 3600) return fallback;
  return n;
}

}  // namespace

Result<HttpListenerOptions> ParseHttpAddress(std::string_view text) {
  auto parsed = ParseHostPort(text);
  if (!parsed.ok()) return InvalidArgument("--http: " + parsed.status().message());
  HttpListenerOptions o;
  o.address = parsed->host;
  o.port = parsed->port;
  return o;
}

Result<std::unique_ptr<HttpListener>> HttpListener::Start(const HttpListenerOptions& options,
                                                          StatusSource* source, BuildInfo build) {
  std::unique_ptr<HttpListener> l(new HttpListener());
  l->options_ = options;
  l->source_ = source;
  l->build_ = std::move(build);
  l->server_ = std::make_unique<httplib::Server>();
  httplib::Server& s = *l->server_;
  const size_t threads = std::max<size_t>(1, options.threads);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_read_timeout(options.read_timeout);
  s.set_write_timeout(options.read_timeout);
  s.set_keep_alive_timeout(options.read_timeout.count());
  s.set_keep_alive_max_count(100);
  s.set_payload_max_length(64 * 1024);
  l->Route();
  if (options.port == 0) {
    const int port = s.bind_to_any_port(options.address);
    if (port <= 0) return IoError("--http: cannot bind " + options.address);
    l->port_ = static_cast<uint16_t>(port);
  } else {
    if (!s.bind_to_port(options.address, options.port)) {
      return IoError("--http: cannot bind " + options.address + ":" + std::to_string(options.port) +
                     " (address in use, or not an address of this host)");
    }
    l->port_ = options.port;
  }
  l->thread_ = std::thread([server = l->server_.get()] { server->listen_after_bind(); });
  LOG_INFO("http: serving /metrics and the status page on {}:{}", options.address, l->port_);
  return l;
}

void HttpListener::Route() {
  httplib::Server& s = *server_;
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(RenderMetrics(source_->Collect(), build_), kExposition);
  });
  s.Get("/", [this](const httplib::Request& req, httplib::Response& res) {
    res.set_content(
        RenderIndexPage(source_->Collect(), build_, RefreshOf(req, options_.default_refresh_s)),
        kHtml);
  });
  // Volume names are [A-Za-z0-9._-]{1,64} (storage/volume_name.h); anything else is 404.
  s.Get(R"(/volume/([A-Za-z0-9._-]{1,64}))",
        [this](const httplib::Request& req, httplib::Response& res) {
          const std::string name = req.matches[1];
          auto volume = source_->CollectVolume(name);
          if (!volume.ok()) {
            res.status = volume.status().code() == Status::Code::kNotFound ? 404 : 503;
            res.set_content(RenderNotFoundPage("volume '" + name + "'"), kHtml);
            return;
          }
          res.set_content(RenderVolumePage(source_->CollectServer(), *volume, build_,
                                           RefreshOf(req, options_.default_refresh_s)),
                          kHtml);
        });
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404) res.set_content(RenderNotFoundPage("'" + req.path + "'"), kHtml);
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
  });
}

void HttpListener::Stop() {
  if (server_ == nullptr) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

HttpListener::~HttpListener() { Stop(); }

}  // namespace volumed::monitor
