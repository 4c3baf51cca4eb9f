// curl_easy_setopt and curl_easy_getinfo are C variadic functions, which Swift cannot call.
// These typed wrappers are the only hand-written C in the project; everything else calls libcurl directly.
#ifndef DHO_CCURL_H
#define DHO_CCURL_H
#include <curl/curl.h>

static inline CURLcode dho_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode dho_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode dho_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode dho_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode dho_curl_setopt_write_callback(CURL *handle, CURLoption option,
        size_t (*callback)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(handle, option, callback);
}
static inline CURLcode dho_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode dho_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode dho_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
// Macros built from other macros do not import into Swift; these name them.
static inline CURLcode dho_curl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}
static inline long dho_curl_error_size(void) {
    return CURL_ERROR_SIZE;
}
static inline long dho_curl_tls12_or_later(void) {
    return CURL_SSLVERSION_TLSv1_2;
}
#endif
