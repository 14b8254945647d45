// One thread owns the curl multi handle: curl handles are not thread-safe, and one multi handle shares
// its connection cache (keep-alive, HTTP/2 multiplexing) across every request it runs.
#include "http/http_client.h"

#include "http/curl_api.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace skyql::http {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

const std::string* Response::header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.first, name)) return &h.second;
  return nullptr;
}

Url parse_url(const std::string& url) {
  size_t sep = url.find("://");
  if (sep == std::string::npos || sep == 0)
    throw std::invalid_argument("malformed URL '" + url + "': expected scheme://host[:port][/path]");
  Url u;
  u.scheme = url.substr(0, sep);
  for (auto& c : u.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u.scheme != "http" && u.scheme != "https")
    throw std::invalid_argument("unsupported URL scheme in '" + url + "': use http:// or https://");
  size_t host_start = sep + 3;
  size_t path_start = url.find_first_of("/?", host_start);
  u.host = url.substr(host_start, path_start == std::string::npos ? std::string::npos : path_start - host_start);
  if (u.host.empty()) throw std::invalid_argument("malformed URL '" + url + "': missing host");
  u.path = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (u.path.front() == '?') u.path = "/" + u.path;
  // The Host header omits the scheme's default port, as botocore does.
  std::string default_port = u.scheme == "https" ? ":443" : ":80";
  if (u.host.size() > default_port.size() && u.host.ends_with(default_port) && u.host.front() != '[')
    u.host.resize(u.host.size() - default_port.size());
  return u;
}

namespace {


struct Transfer {
  Request request;
  std::promise<Response> promise;
  Response response;
  curl_slist* header_list = nullptr;
  CURL* easy = nullptr;
  bool status_seen = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<Transfer*>(user)->response.body.append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    t->response.headers.clear();  // a new response (after 100-continue or a redirect) starts over
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  t->response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  return size * n;
}

TransportError classify(CURLcode code) {
  switch (code) {
    case CURLE_OK:
      return TransportError::None;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError::Timeout;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return TransportError::Connection;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER:
      return TransportError::Tls;
    default:
      return TransportError::Other;
  }
}

double seconds_to_ms(curl_off_t us) { return static_cast<double>(us) / 1000.0; }

}  // namespace

struct Client::Impl {
  ClientOptions options;
  CURLM* multi = nullptr;
  std::mutex mutex;
  std::deque<std::unique_ptr<Transfer>> queued;
  std::vector<CURL*> idle_easy;  // reused handles keep their DNS cache and session ids
  std::atomic<bool> stop{false};
  std::atomic<long> connections{0};
  std::thread loop;

  explicit Impl(ClientOptions o) : options(std::move(o)) {
    curl();  // loads libcurl (once) and runs curl_global_init
    multi = curl().multi_init();
    curl().multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl().multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.max_idle_connections));
    loop = std::thread([this] { run(); });
  }

  ~Impl() {
    stop = true;
    curl().multi_wakeup(multi);
    loop.join();
    for (CURL* e : idle_easy) curl().easy_cleanup(e);
    curl().multi_cleanup(multi);
  }

  void start(std::unique_ptr<Transfer>& t, std::vector<std::unique_ptr<Transfer>>& active) {
    CURL* e;
    if (!idle_easy.empty()) {
      e = idle_easy.back();
      idle_easy.pop_back();
      curl().easy_reset(e);
    } else {
      e = curl().easy_init();
    }
    t->easy = e;
    const Request& r = t->request;
    curl().easy_setopt(e, CURLOPT_URL, r.url.c_str());
    curl().easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl().easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl().easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl().easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl().easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl().easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl().easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl().easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl().easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl().easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl().easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl().easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.ca_bundle.empty()) curl().easy_setopt(e, CURLOPT_CAINFO, options.ca_bundle.c_str());
    curl().easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
    auto total = r.timeout.count() > 0 ? r.timeout : options.request_timeout;
    curl().easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
    curl().easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    if (r.method == "GET") {
      curl().easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
      if (r.method == "HEAD") curl().easy_setopt(e, CURLOPT_NOBODY, 1L);
      else curl().easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
      if (r.method != "HEAD") {
        curl().easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
        curl().easy_setopt(e, CURLOPT_POSTFIELDS, r.body.c_str());
      }
    }
    // Our signed headers are authoritative: suppress curl's Expect and default Content-Type.
    bool has_content_type = false;
    for (const auto& [k, v] : r.headers) {
      std::string line = k + ": " + v;
      if (v.empty()) line = k + ";";
      t->header_list = curl().slist_append(t->header_list, line.c_str());
      has_content_type |= iequals(k, "Content-Type");
    }
    t->header_list = curl().slist_append(t->header_list, "Expect:");
    if (!has_content_type) t->header_list = curl().slist_append(t->header_list, "Content-Type:");
    curl().easy_setopt(e, CURLOPT_HTTPHEADER, t->header_list);
    curl().multi_add_handle(multi, e);
    active.push_back(std::move(t));
  }

  void finish(Transfer* t, CURLcode code) {
    CURL* e = t->easy;
    Response& resp = t->response;
    resp.error = classify(code);
    if (resp.error != TransportError::None) {
      resp.error_message = curl().easy_strerror(code);
      if (resp.error == TransportError::Tls)
        resp.error_message += " (check the CA bundle: --ca-bundle or AWS_CA_BUNDLE)";
      resp.status = 0;
    } else {
      curl().easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp.status);
    }
    curl_off_t v = 0;
    curl().easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &v);
    resp.timings.connect_ms = seconds_to_ms(v);
    curl().easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &v);
    resp.timings.tls_ms = seconds_to_ms(v);
    curl().easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &v);
    resp.timings.first_byte_ms = seconds_to_ms(v);
    curl().easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &v);
    resp.timings.total_ms = seconds_to_ms(v);
    long version = 0;
    curl().easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
    resp.http_version = version == CURL_HTTP_VERSION_2_0 ? 2 : 1;
    long new_conns = 0;
    curl().easy_getinfo(e, CURLINFO_NUM_CONNECTS, &new_conns);
    resp.reused_connection = new_conns == 0 && resp.error == TransportError::None;
    connections += new_conns;
    curl().multi_remove_handle(multi, e);
    curl().slist_free_all(t->header_list);
    t->header_list = nullptr;
    idle_easy.push_back(e);
    t->promise.set_value(std::move(resp));
  }

  void run() {
    std::vector<std::unique_ptr<Transfer>> active;
    while (true) {
      {
        std::lock_guard lock(mutex);
        while (!queued.empty()) {
          auto t = std::move(queued.front());
          queued.pop_front();
          start(t, active);
        }
      }
      if (stop && active.empty()) break;
      int running = 0;
      curl().multi_perform(multi, &running);
      int left = 0;
      while (CURLMsg* msg = curl().multi_info_read(multi, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Transfer* t = nullptr;
        curl().easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
        finish(t, msg->data.result);
        std::erase_if(active, [&](const auto& p) { return p.get() == t; });
      }
      if (stop) {
        // Shutting down: fail what is still running rather than wait for slow servers.
        for (auto& t : active) {
          curl().multi_remove_handle(multi, t->easy);
          curl().slist_free_all(t->header_list);
          idle_easy.push_back(t->easy);
          t->response.error = TransportError::Other;
          t->response.error_message = "HTTP client shut down";
          t->promise.set_value(std::move(t->response));
        }
        active.clear();
        std::lock_guard lock(mutex);
        for (auto& t : queued) {
          t->response.error = TransportError::Other;
          t->response.error_message = "HTTP client shut down";
          t->promise.set_value(std::move(t->response));
        }
        queued.clear();
        break;
      }
      curl().multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
  }
};

Client::Client(ClientOptions options) : options_(std::move(options)) {}
Client::~Client() = default;

Client::Impl& Client::started() {
  std::call_once(start_once_, [this] { impl_ = std::make_unique<Impl>(options_); });
  return *impl_;
}

std::future<Response> Client::send(Request request) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(request);
  auto future = t->promise.get_future();
  Impl& impl = started();
  {
    std::lock_guard lock(impl.mutex);
    impl.queued.push_back(std::move(t));
  }
  curl().multi_wakeup(impl.multi);
  return future;
}

Response Client::perform(Request request) { return send(std::move(request)).get(); }

long Client::connections_opened() const { return impl_ ? impl_->connections.load() : 0; }

}  // namespace skyql::http
