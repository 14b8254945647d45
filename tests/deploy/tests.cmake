# End-to-end `skyql deploy` scenarios, each against its own emulator (tests/deploy/e2e_deploy.py).
foreach(scenario seed chain rollback dry_run bad_input init)
  add_test(NAME deploy_e2e_${scenario}
    COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/e2e_deploy.py ${scenario})
  set_tests_properties(deploy_e2e_${scenario} PROPERTIES
    ENVIRONMENT "${SKYQL_TEST_ENV}" FIXTURES_REQUIRED provider LABELS "e2e" TIMEOUT 300)
endforeach()
