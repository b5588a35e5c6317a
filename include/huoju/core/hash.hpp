// huoju/core/hash.hpp
//
// Content hashing (BLAKE2b-256 from libsodium): session token digests, catalog version ids,
// data-version stamps on printed forms.
#pragma once

#include <string>
#include <string_view>

namespace huoju {

/// BLAKE2b-256 of `data` as 64 lower-case hex characters. Thread-safe.
std::string Blake2bHex(std::string_view data);

}  // namespace huoju
