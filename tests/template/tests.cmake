# Differential test of the template engine against Python Jinja2 (python3 must have jinja2; missing fails).
add_executable(template_render ${CMAKE_CURRENT_LIST_DIR}/template_render.cpp)
target_link_libraries(template_render PRIVATE skyql_template)
add_test(NAME template_differential
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/differential.py
          --corpus ${CMAKE_CURRENT_LIST_DIR}/corpus.json
          --render $<TARGET_FILE:template_render>
          --reference ${CMAKE_CURRENT_LIST_DIR}/jinja_ref.py)
set_tests_properties(template_differential PROPERTIES LABELS "unit" ENVIRONMENT "${SKYQL_TEST_ENV}")
