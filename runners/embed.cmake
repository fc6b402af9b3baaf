# embed.cmake — turn a text file into a C source defining a NUL-terminated
# string, so the reference runner script travels inside the cfbench binary.
# Usage: cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR size "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE "${OUT}.tmp"
  "/* Generated from ${IN} by runners/embed.cmake — do not edit. */\n"
  "#include <stddef.h>\n"
  "const char ${NAME}[] = {\n    ${body}0x00};\n"
  "const size_t ${NAME}_len = ${size};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
