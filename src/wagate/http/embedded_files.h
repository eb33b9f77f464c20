// EmbeddedFiles: the admin dashboard's static files (web/), compiled into the binary.
//
// CMake generates the definition at build time from web/ (cmake/embed_files.cmake), and again
// whenever a file there changes, so `wagate serve` needs no files on disk and no build step of
// its own. Each file is named by its base name ("index.html", "app.js").
//
// Thread safety: immutable after the first call; safe from any thread.
#pragma once

#include <string_view>
#include <vector>

namespace wagate::http {

struct EmbeddedFile {
  std::string_view name;   // "app.js"
  std::string_view bytes;  // the file's content
};

const std::vector<EmbeddedFile>& EmbeddedFiles();

// The Content-Type for a file name, by extension ("application/octet-stream" when unknown).
std::string_view ContentTypeFor(std::string_view name);

}  // namespace wagate::http
