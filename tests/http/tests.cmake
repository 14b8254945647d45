# The HTTP client's tests run against real servers on loopback (cpp-httplib).
target_link_libraries(http_tests PRIVATE cpp-httplib Threads::Threads)
