#include "http/curl_api.h"

#include <dlfcn.h>

#include <mutex>
#include <stdexcept>
#include <string>

namespace skyql::http {
namespace {

template <typename Fn>
void resolve(void* lib, const char* symbol, Fn& out) {
  void* p = dlsym(lib, symbol);
  if (!p) throw std::runtime_error(std::string("libcurl has no ") + symbol + " — install libcurl4 (7.68 or newer)");
  out = reinterpret_cast<Fn>(p);
}

CurlApi load() {
  void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    throw std::runtime_error(std::string("cannot load libcurl.so.4 (") + dlerror() +
                             ") — install it: apt-get install libcurl4");
  }
  CurlApi api{};
  resolve(lib, "curl_global_init", api.global_init);
  resolve(lib, "curl_easy_init", api.easy_init);
  resolve(lib, "curl_easy_setopt", api.easy_setopt);
  resolve(lib, "curl_easy_getinfo", api.easy_getinfo);
  resolve(lib, "curl_easy_perform", api.easy_perform);
  resolve(lib, "curl_easy_reset", api.easy_reset);
  resolve(lib, "curl_easy_cleanup", api.easy_cleanup);
  resolve(lib, "curl_easy_strerror", api.easy_strerror);
  resolve(lib, "curl_slist_append", api.slist_append);
  resolve(lib, "curl_slist_free_all", api.slist_free_all);
  resolve(lib, "curl_multi_init", api.multi_init);
  resolve(lib, "curl_multi_setopt", api.multi_setopt);
  resolve(lib, "curl_multi_add_handle", api.multi_add_handle);
  resolve(lib, "curl_multi_remove_handle", api.multi_remove_handle);
  resolve(lib, "curl_multi_perform", api.multi_perform);
  resolve(lib, "curl_multi_poll", api.multi_poll);
  resolve(lib, "curl_multi_wakeup", api.multi_wakeup);
  resolve(lib, "curl_multi_info_read", api.multi_info_read);
  resolve(lib, "curl_multi_cleanup", api.multi_cleanup);
  // The library stays loaded for the life of the process: handles may outlive any owner we could name.
  if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  return api;
}

}  // namespace

const CurlApi& curl() {
  static const CurlApi api = load();  // C++11 magic statics: loaded once, thread-safe
  return api;
}

}  // namespace skyql::http
