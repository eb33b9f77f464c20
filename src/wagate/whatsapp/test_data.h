// Example webhook bodies for the tests of this module, read from testdata/ (the examples of
// Meta's payload formats, and the signature test vector). The fuzz seed corpus holds copies.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace wagate::whatsapp {

// The bytes of testdata/<name>, exactly as stored; empty when the file cannot be read.
inline std::string ReadTestData(std::string_view name) {
  std::ifstream in(std::string(WAGATE_WHATSAPP_TESTDATA_DIR) + "/" + std::string(name),
                   std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace wagate::whatsapp
