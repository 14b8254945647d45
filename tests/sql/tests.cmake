# The SQL logic tests (sqllogic_test.cpp) run the engine against the in-process emulator.
if(TARGET sql_tests)
  target_link_libraries(sql_tests PRIVATE skyql_emulator)
endif()

# skyql exec / shell end to end: the real binary, the embedded emulator, output formats, exit codes.
add_test(NAME sql_exec_cli
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/exec_cli.py)
set_tests_properties(sql_exec_cli PROPERTIES
  ENVIRONMENT "${SKYQL_TEST_ENV}" FIXTURES_REQUIRED provider LABELS "e2e" TIMEOUT 300)
