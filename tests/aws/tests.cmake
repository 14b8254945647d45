# The AWS client's tests talk to real HTTP servers on loopback (cpp-httplib).
target_link_libraries(aws_tests PRIVATE cpp-httplib Threads::Threads)

# Differential test against botocore: the tool prints skyql's signatures for a corpus the script makes.
add_executable(aws_sigv4_sign_tool ${CMAKE_CURRENT_SOURCE_DIR}/aws/sigv4_sign_tool.cpp)
target_link_libraries(aws_sigv4_sign_tool PRIVATE skyql_aws)
add_test(NAME aws_botocore_differential
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/aws/botocore_differential.py
          --tool $<TARGET_FILE:aws_sigv4_sign_tool> --count 600)
set_tests_properties(aws_botocore_differential PROPERTIES
  ENVIRONMENT "${SKYQL_TEST_ENV}" FIXTURES_REQUIRED provider LABELS "unit")
