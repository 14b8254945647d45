# End-to-end tests of `skyql emulator`: each starts the binary on --port 0 and drives it with real clients
# (the AWS CLI, botocore/boto3). They need the installed provider (fixture `provider`).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
foreach(name cli_lifecycle botocore_errors pagination crash faults)
  add_test(NAME emulator_${name}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/${name}_test.py
    WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(emulator_${name} PROPERTIES
    ENVIRONMENT "${SKYQL_TEST_ENV};PYTHONDONTWRITEBYTECODE=1"
    FIXTURES_REQUIRED provider LABELS "e2e" TIMEOUT 300)
endforeach()
