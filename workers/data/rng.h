// rng.h — the deterministic random numbers of the builtin worlds: splitmix64 (Steele, Lea
// and Flood 2014, "Fast splittable pseudorandom number generators"; the constants of
// Vigna's reference splitmix64.c). Same seed, same stream, on every platform: no
// std::uniform_*_distribution (whose output is implementation-defined).
#pragma once
#include <cstdint>

namespace tunegrid {

// One splitmix64 output step: a strong 64-bit mix of `x`.
inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A seed derived from two values (order matters): for per-item and per-purpose streams.
inline std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
  return splitmix64(splitmix64(a) ^ (b * 0xd1b54a32d192ed03ULL + 0x632be59bd9b4e019ULL));
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(splitmix64(seed)) {}

  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [low, high).
  float uniform(float low, float high) { return low + static_cast<float>(unit()) * (high - low); }
  // Uniform integer in [0, n), n > 0.
  int below(int n) { return static_cast<int>((next() >> 33) % static_cast<std::uint64_t>(n)); }
  // Uniform integer in [low, high].
  int between(int low, int high) { return low + below(high - low + 1); }
  bool chance(double p) { return unit() < p; }
  // -1 or +1.
  float sign() { return (next() >> 63) ? 1.0f : -1.0f; }

 private:
  std::uint64_t state_;
};

}  // namespace tunegrid
