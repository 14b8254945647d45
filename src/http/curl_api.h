// http/curl_api — libcurl, loaded on first use rather than at process start.
//
// Why: libcurl drags ~30 shared libraries (krb5, ldap, gnutls, ssh2, ...) into every process. Statements
// that never touch the network (SHOW, DESCRIBE, docs) would pay for relocating all of them; loading
// libcurl with dlopen the first time a request is made keeps a cold `skyql exec "DESCRIBE ..."` fast.
#pragma once

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

namespace skyql::http {

struct CurlApi {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  CURLcode (*easy_perform)(CURL*);
  void (*easy_reset)(CURL*);
  void (*easy_cleanup)(CURL*);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  CURLM* (*multi_init)();
  CURLMcode (*multi_setopt)(CURLM*, CURLMoption, ...);
  CURLMcode (*multi_add_handle)(CURLM*, CURL*);
  CURLMcode (*multi_remove_handle)(CURLM*, CURL*);
  CURLMcode (*multi_perform)(CURLM*, int*);
  CURLMcode (*multi_poll)(CURLM*, curl_waitfd*, unsigned int, int, int*);
  CURLMcode (*multi_wakeup)(CURLM*);
  CURLMsg* (*multi_info_read)(CURLM*, int*);
  CURLMcode (*multi_cleanup)(CURLM*);
};

// Loads libcurl once (thread-safe) and calls curl_global_init; throws std::runtime_error naming the
// library and the package to install when it cannot be loaded.
const CurlApi& curl();

}  // namespace skyql::http
