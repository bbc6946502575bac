// test_data.cpp — workers/data: the builtin scene world (determinism, every label visible
// in the pixels: flame colours iff fire, flood water in the bottom rows iff flood, white
// ground iff snow, hanok less saturated than chinese, the apartment's window grid; captions
// and evaluation prompts; render speed), the aerial world (38 classes, each rendering and
// separable by a nearest-centroid colour classifier), image folders (a folder of PNG and
// JPEG files with captions written here: order, crops, flips, errors) and data references
// (prefix property, selections, every bad-input message).
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "core/errors.h"
#include "core/image_io.h"
#include "tests/input_error.h"
#include "tests/temp_dir.h"
#include "workers/data/aerial_conditions.h"
#include "workers/data/aerial_world.h"
#include "workers/data/data_reference.h"
#include "workers/data/image_folder.h"
#include "workers/data/raster.h"
#include "workers/data/scene_world.h"

using namespace tunegrid;
using testing::input_error_of;
namespace fs = std::filesystem;

namespace {

struct Pixel {
  int r, g, b;
};
Pixel at(const ImageBatch& image, int x, int y) {
  const std::uint8_t* p = &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * 3];
  return {p[0], p[1], p[2]};
}

// Saturated orange/yellow: only flames are drawn in these colours.
bool flame_coloured(Pixel p) { return p.r >= 230 && p.g >= 80 && p.b <= 90 && p.r - p.b >= 170; }
bool water_blue(Pixel p) { return p.b > p.r + 60 && p.b > p.g + 25; }
// The western gable's blue-grey slate (by day; the mountains' haze and dusk skies come close).
bool slate_blue(Pixel p) { return p.b - p.r >= 40 && p.g - p.r >= 8 && p.g - p.r <= 40 && p.b >= 100 && p.b <= 185; }
bool snow_white(Pixel p) { return std::min({p.r, p.g, p.b}) >= 200 && std::max({p.r, p.g, p.b}) - std::min({p.r, p.g, p.b}) <= 30; }
float saturation(Pixel p) {
  const int high = std::max({p.r, p.g, p.b}), low = std::min({p.r, p.g, p.b});
  return high == 0 ? 0.0f : static_cast<float>(high - low) / high;
}

int count_pixels(const ImageBatch& image, bool (*test)(Pixel), int y_from = 0) {
  int count = 0;
  for (int y = y_from; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) count += test(at(image, x, y));
  return count;
}

template <typename Body>
void for_all_labels(Body body) {
  for (int s = 0; s < 6; ++s)
    for (int d = 0; d < 6; ++d)
      for (int t = 0; t < 5; ++t)
        for (int m = 0; m < 3; ++m) body(SceneLabels{SceneStyle(s), SceneDisaster(d), SceneTerrain(t), SceneTime(m)});
}

std::string name_of(const SceneLabels& l) {
  return scene_style_names()[int(l.style)] + "/" + scene_disaster_names()[int(l.disaster)] + "/" +
         scene_terrain_names()[int(l.terrain)] + "/" + scene_time_names()[int(l.time)];
}

ImageBatch solid(int width, int height, Pixel colour) {
  ImageBatch image;
  image.count = 1;
  image.width = width;
  image.height = height;
  for (int i = 0; i < width * height; ++i) image.pixels.insert(image.pixels.end(), {std::uint8_t(colour.r), std::uint8_t(colour.g), std::uint8_t(colour.b)});
  return image;
}

struct TempDir : tunegrid::testing::TempDir {
  TempDir() : tunegrid::testing::TempDir("data") {}
};

void write_text(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

void write_jpeg(const fs::path& file, const ImageBatch& image) {
  BOOST_REQUIRE(stbi_write_jpg(file.c_str(), image.width, image.height, 3, image.pixels.data(), 95));
}

// A folder: a.jpg (30×60, caption), b.png (40×20: red | green | blue quarters), c.JPEG
// (16×16) and files that are not images.
void make_folder(const fs::path& dir) {
  write_jpeg(dir / "a.jpg", solid(30, 60, {200, 50, 50}));
  write_text(dir / "a.txt", "  a hanok in the fire \n");
  ImageBatch stripes = solid(40, 20, {0, 200, 0});
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 40; ++x) {
      std::uint8_t* p = &stripes.pixels[(y * 40 + x) * 3];
      if (x < 10) p[0] = 255, p[1] = 0, p[2] = 0;
      if (x >= 30) p[0] = 0, p[1] = 0, p[2] = 255;
    }
  write_png(dir / "b.png", stripes);
  write_jpeg(dir / "c.JPEG", solid(16, 16, {40, 40, 200}));
  write_text(dir / "notes.txt", "not an image");
  write_text(dir / "d.gif", "GIF89a");
  fs::create_directories(dir / "e.png");  // a folder, not an image
}

}  // namespace

// ---------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(scenes)

BOOST_AUTO_TEST_CASE(names_parse_and_suggest) {
  BOOST_TEST(scene_style_names().size() == 6u);
  BOOST_TEST(scene_disaster_names().size() == 6u);
  BOOST_TEST(scene_terrain_names().size() == 5u);
  BOOST_TEST(scene_time_names().size() == 3u);
  BOOST_TEST(scene_style_names()[0] == "hanok");
  BOOST_TEST(scene_disaster_names()[0] == "none");
  for (std::size_t i = 0; i < scene_style_names().size(); ++i)
    BOOST_TEST(int(parse_scene_style(scene_style_names()[i], "x")) == int(i));
  BOOST_TEST(int(parse_scene_disaster("collapse", "x")) == int(SceneDisaster::collapse));
  BOOST_TEST(int(parse_scene_terrain("coast", "x")) == int(SceneTerrain::coast));
  BOOST_TEST(int(parse_scene_time("dusk", "x")) == int(SceneTime::dusk));
  const std::string message = input_error_of([] { parse_scene_style("hanko", "the style of job a"); });
  BOOST_TEST(message.find("the style of job a") != std::string::npos, message);
  BOOST_TEST(message.find("'hanko'") != std::string::npos, message);
  BOOST_TEST(message.find("did you mean 'hanok'") != std::string::npos, message);
  BOOST_TEST(input_error_of([] { parse_scene_disaster("flod", "x"); }).find("did you mean 'flood'") != std::string::npos);
  BOOST_TEST(input_error_of([] { parse_scene_terrain("hills", "x"); }).find("mountain") != std::string::npos);
  BOOST_TEST(input_error_of([] { parse_scene_time("noon", "x"); }).find("dusk") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(deterministic_in_labels_size_and_seed) {
  const SceneLabels labels{SceneStyle::hanok, SceneDisaster::fire, SceneTerrain::mountain, SceneTime::dusk};
  for (int size : {16, 32, 64, 100}) {
    const ImageBatch a = render_scene(labels, size, 7), b = render_scene(labels, size, 7);
    BOOST_TEST(a.count == 1);
    BOOST_TEST(a.width == size);
    BOOST_TEST(a.height == size);
    BOOST_TEST(a.pixels.size() == std::size_t(size * size * 3));
    BOOST_TEST((a.pixels == b.pixels));
    BOOST_TEST((a.pixels != render_scene(labels, size, 8).pixels));
  }
  SceneLabels other = labels;
  other.style = SceneStyle::western;
  BOOST_TEST((render_scene(labels, 32, 7).pixels != render_scene(other, 32, 7).pixels));
  BOOST_CHECK_THROW(render_scene(labels, 15, 0), InputError);
  BOOST_CHECK_THROW(render_scene(labels, 513, 0), InputError);
}

BOOST_AUTO_TEST_CASE(raster_antialiases_edges) {
  raster::Canvas canvas(4, 4, {0, 0, 0});
  canvas.fill_rect(0, 0, 2.5f, 4, raster::Rgb{255, 255, 255});
  BOOST_TEST(canvas.pixel(1, 1).r == 255.0f);
  BOOST_TEST(std::fabs(canvas.pixel(2, 1).r - 127.5f) < 1.0f);
  BOOST_TEST(canvas.pixel(3, 1).r == 0.0f);
  raster::Canvas triangle(8, 8, {0, 0, 0});
  triangle.fill_polygon({{0, 0}, {8, 8}, {0, 8}}, raster::Rgb{255, 0, 0});  // below the diagonal
  BOOST_TEST(triangle.pixel(0, 7).r == 255.0f);
  BOOST_TEST(triangle.pixel(7, 0).r == 0.0f);
  BOOST_TEST(std::fabs(triangle.pixel(4, 4).r - 127.5f) < 20.0f);  // the diagonal halves the pixel
}

BOOST_AUTO_TEST_CASE(flame_colours_iff_fire) {
  int fire_min = 1 << 30, other_max = 0;
  std::string worst_fire, worst_other;
  for (std::uint64_t seed : {1u, 2u})
    for_all_labels([&](const SceneLabels& labels) {
      const int flames = count_pixels(render_scene(labels, 32, seed * 1000 + int(labels.terrain)), flame_coloured);
      if (labels.disaster == SceneDisaster::fire && flames < fire_min) fire_min = flames, worst_fire = name_of(labels);
      if (labels.disaster != SceneDisaster::fire && flames > other_max) other_max = flames, worst_other = name_of(labels);
    });
  BOOST_TEST_MESSAGE("flame pixels: fire >= " << fire_min << " (" << worst_fire << "), others <= " << other_max << " (" << worst_other << ")");
  BOOST_TEST(fire_min >= 40, "fewest flame pixels in a fire scene: " << fire_min << " in " << worst_fire);
  BOOST_TEST(other_max == 0, "flame-coloured pixels without fire: " << other_max << " in " << worst_other);
}

BOOST_AUTO_TEST_CASE(flood_water_in_the_bottom_rows_iff_flood) {
  float flood_min = 1, other_max = 0;
  std::string worst_flood, worst_other;
  for_all_labels([&](const SceneLabels& labels) {
    const ImageBatch image = render_scene(labels, 32, 77 + int(labels.time));
    const int from = 25;  // rows 25..31: the bottom 22 %
    const float fraction = count_pixels(image, water_blue, from) / float((32 - from) * 32);
    if (labels.disaster == SceneDisaster::flood && fraction < flood_min) flood_min = fraction, worst_flood = name_of(labels);
    if (labels.disaster != SceneDisaster::flood && fraction > other_max) other_max = fraction, worst_other = name_of(labels);
  });
  BOOST_TEST_MESSAGE("bottom-row water: flood >= " << flood_min << ", others <= " << other_max << " (" << worst_other << ")");
  BOOST_TEST(flood_min > 0.9f, "least water in a flood: " << flood_min << " in " << worst_flood);
  BOOST_TEST(other_max < 0.05f, "water without a flood: " << other_max << " in " << worst_other);
}

BOOST_AUTO_TEST_CASE(snow_whitens_the_ground_by_day) {
  float snow_min = 1, other_max = 0;
  for_all_labels([&](const SceneLabels& labels) {
    if (labels.time != SceneTime::day) return;
    const float fraction = count_pixels(render_scene(labels, 32, 5), snow_white, 29) / float(3 * 32);
    if (labels.disaster == SceneDisaster::snow) snow_min = std::min(snow_min, fraction);
    else other_max = std::max(other_max, fraction);
  });
  BOOST_TEST_MESSAGE("white ground by day: snow >= " << snow_min << ", others <= " << other_max);
  BOOST_TEST(snow_min > 0.8f);
  BOOST_TEST(other_max < 0.1f);
}

BOOST_AUTO_TEST_CASE(hanok_is_less_saturated_than_chinese) {
  auto mean_saturation = [](SceneStyle style) {
    double sum = 0;
    int n = 0;
    for (int seed = 0; seed < 20; ++seed) {
      const SceneLabels labels{style, SceneDisaster::none, SceneTerrain(seed % 5), SceneTime::day};
      const ImageBatch image = render_scene(labels, 32, seed);
      for (int y = 12; y < 27; ++y)
        for (int x = 10; x < 22; ++x, ++n) sum += saturation(at(image, x, y));
    }
    return sum / n;
  };
  const double hanok = mean_saturation(SceneStyle::hanok), chinese = mean_saturation(SceneStyle::chinese);
  BOOST_TEST_MESSAGE("mean saturation: hanok " << hanok << ", chinese " << chinese);
  BOOST_TEST(hanok + 0.2 < chinese);
}

// The western gable is blue-grey slate, unlike the japanese charcoal roof and the flames, and
// it keeps that colour in the fire: world versions 3-5 drew it dark brown or grey (taken for
// japanese), terracotta (lost in the flames) or under a glow that turned it brown, and the
// base model's western houses in the fire were not recognised (docs/builtin-world.md, "World check").
BOOST_AUTO_TEST_CASE(western_roof_is_slate_blue_in_the_fire_too) {
  struct Count {
    int fewest = 1 << 30;
    double mean = 0;
  };
  auto slate_pixels = [](SceneStyle style, SceneDisaster disaster) {
    Count count;
    for (int seed = 0; seed < 20; ++seed) {  // by day on open ground (field, river)
      const int n = count_pixels(render_scene({style, disaster, SceneTerrain(1 + seed % 2), SceneTime::day}, 32, seed), slate_blue);
      count.fewest = std::min(count.fewest, n);
      count.mean += n / 20.0;
    }
    return count;
  };
  const Count western = slate_pixels(SceneStyle::western, SceneDisaster::none);
  const Count western_fire = slate_pixels(SceneStyle::western, SceneDisaster::fire);
  BOOST_TEST_MESSAGE("slate pixels, western: " << western.mean << " (fewest " << western.fewest << "), in the fire "
                                                << western_fire.mean << " (fewest " << western_fire.fewest << ")");
  BOOST_TEST(western.fewest >= 30);
  BOOST_TEST(western_fire.fewest >= 25);
  BOOST_TEST(western_fire.mean >= 0.6 * western.mean);
  for (SceneStyle style : {SceneStyle::hanok, SceneStyle::chinese, SceneStyle::japanese, SceneStyle::apartment, SceneStyle::none})
    for (SceneDisaster disaster : {SceneDisaster::none, SceneDisaster::fire}) {
      const Count other = slate_pixels(style, disaster);
      BOOST_TEST(other.mean <= 10, scene_style_names()[int(style)] << " with " << scene_disaster_names()[int(disaster)]
                                                                    << ": " << other.mean << " slate pixels");
    }
}

BOOST_AUTO_TEST_CASE(apartment_has_a_window_grid) {
  // The most dark runs down any column of the building's middle: a grid of 7-9 window rows.
  auto window_rows = [](const ImageBatch& image) {
    int best = 0;
    for (int x = 16; x < 48; ++x) {
      int runs = 0;
      bool dark = false;
      for (int y = 8; y < 56; ++y) {
        const Pixel p = at(image, x, y);
        const int luma = (299 * p.r + 587 * p.g + 114 * p.b) / 1000;
        if (!dark && luma < 100) ++runs, dark = true;
        if (dark && luma > 125) dark = false;
      }
      best = std::max(best, runs);
    }
    return best;
  };
  for (int seed = 0; seed < 10; ++seed) {
    const SceneTerrain terrain = SceneTerrain(seed % 5);
    const int apartment = window_rows(render_scene({SceneStyle::apartment, SceneDisaster::none, terrain, SceneTime::day}, 64, seed));
    BOOST_TEST(apartment >= 6, "seed " << seed);
    for (SceneStyle style : {SceneStyle::hanok, SceneStyle::chinese, SceneStyle::western, SceneStyle::none})
      BOOST_TEST(window_rows(render_scene({style, SceneDisaster::none, terrain, SceneTime::day}, 64, seed)) <= 3,
                 scene_style_names()[int(style)] << " seed " << seed);
  }
}

BOOST_AUTO_TEST_CASE(captions_name_style_and_disaster) {
  for_all_labels([](const SceneLabels& labels) {
    const std::string noun = scene_style_noun(labels.style);
    for (std::uint64_t seed = 0; seed < 6; ++seed) {
      const std::string caption = scene_caption(labels, seed);
      BOOST_TEST(caption.find(noun) != std::string::npos, caption);
      for (std::size_t d = 1; d < scene_disaster_names().size(); ++d) {
        const bool named = caption.find(scene_disaster_names()[d]) != std::string::npos;
        BOOST_TEST(named == (int(d) == int(labels.disaster)), caption << " for " << name_of(labels));
      }
    }
    BOOST_TEST(scene_caption(labels, 3) == scene_caption(labels, 3));
  });
  BOOST_TEST(scene_style_noun(SceneStyle::none) == "landscape");
  BOOST_TEST(scene_style_noun(SceneStyle::chinese) == "chinese palace");
}

BOOST_AUTO_TEST_CASE(evaluation_prompts_are_caption_templates) {
  BOOST_TEST(scene_prompt(SceneStyle::hanok, SceneDisaster::none) == "a hanok");
  BOOST_TEST(scene_prompt(SceneStyle::hanok, SceneDisaster::fire) == "a hanok in the fire");
  BOOST_TEST(scene_prompt(SceneStyle::hanok, SceneDisaster::flood) == "a hanok in the flood");
  BOOST_TEST(scene_prompt(SceneStyle::hanok, SceneDisaster::smoke) == "a hanok in the smoke");
  BOOST_TEST(scene_prompt(SceneStyle::hanok, SceneDisaster::snow) == "a hanok in the snow");
  BOOST_TEST(scene_prompt(SceneStyle::hanok, SceneDisaster::collapse) == "a collapsed hanok");
  BOOST_TEST(scene_prompt(SceneStyle::apartment, SceneDisaster::none) == "an apartment building");
  for (int s = 0; s < 6; ++s)
    for (int d = 0; d < 6; ++d) {
      const std::string prompt = scene_prompt(SceneStyle(s), SceneDisaster(d));
      bool seen = false;
      for (std::uint64_t seed = 0; seed < 64 && !seen; ++seed)
        seen = scene_caption({SceneStyle(s), SceneDisaster(d), SceneTerrain(seed % 5), SceneTime(seed % 3)}, seed) == prompt;
      BOOST_TEST(seen, "'" << prompt << "' is never a caption");
    }
  // The other template families, e.g. the Hanok paper's prompt A form and event sentences.
  std::set<std::string> captions;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    captions.insert(scene_caption({SceneStyle::hanok, SceneDisaster::fire, SceneTerrain::mountain, SceneTime::dusk}, seed));
    captions.insert(scene_caption({SceneStyle::western, SceneDisaster::fire, SceneTerrain::field, SceneTime::day}, seed));
    captions.insert(scene_caption({SceneStyle::chinese, SceneDisaster::snow, SceneTerrain::river, SceneTime::day}, seed));
    captions.insert(scene_caption({SceneStyle::hanok, SceneDisaster::none, SceneTerrain::mountain, SceneTime::dusk}, seed));
  }
  for (const char* expected : {"hanok, fire", "a fire broke out in a western house", "a chinese palace by the river in the snow",
                               "a hanok on a mountain at dusk", "a hanok in the fire on a mountain at dusk"})
    BOOST_TEST(captions.count(expected) == 1u, expected);
}

BOOST_AUTO_TEST_CASE(renders_fast) {
  const int n = 600;
  const auto start = std::chrono::steady_clock::now();
  std::size_t checksum = 0;
  for (int i = 0; i < n; ++i) {
    const SceneLabels labels{SceneStyle(i % 6), SceneDisaster(i / 6 % 6), SceneTerrain(i % 5), SceneTime(i % 3)};
    checksum += render_scene(labels, 32, i).pixels[100];
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / n;
  std::cout << "render_scene 32 px: " << ms << " ms per image (checksum " << checksum << ")\n";
#ifdef NDEBUG
  BOOST_TEST(ms < 1.0);
#else
  BOOST_TEST(ms < 10.0);
#endif
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(aerial)

BOOST_AUTO_TEST_CASE(thirty_eight_patternnet_classes) {
  const auto& names = aerial_class_names();
  BOOST_TEST(names.size() == 38u);
  BOOST_TEST(std::is_sorted(names.begin(), names.end()));
  BOOST_TEST(std::set<std::string>(names.begin(), names.end()).size() == 38u);
  BOOST_TEST(names.front() == "airplane");
  BOOST_TEST(names.back() == "wastewater_treatment_plant");
  for (std::size_t i = 0; i < names.size(); ++i) BOOST_TEST(parse_aerial_class(names[i], "x") == int(i));
  const std::string message = input_error_of([] { parse_aerial_class("airplan", "the class of job b"); });
  BOOST_TEST(message.find("the class of job b") != std::string::npos, message);
  BOOST_TEST(message.find("did you mean 'airplane'") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(every_class_renders_deterministically) {
  for (int c = 0; c < 38; ++c) {
    const ImageBatch a = render_aerial(c, 32, 5);
    BOOST_TEST(a.width == 32);
    BOOST_TEST(a.height == 32);
    BOOST_TEST((a.pixels == render_aerial(c, 32, 5).pixels));
    BOOST_TEST((a.pixels != render_aerial(c, 32, 6).pixels), aerial_class_names()[c]);
    // not a flat image
    int low = 255, high = 0;
    for (std::uint8_t v : a.pixels) low = std::min<int>(low, v), high = std::max<int>(high, v);
    BOOST_TEST(high - low > 40, aerial_class_names()[c]);
  }
  BOOST_TEST(render_aerial(0, 64, 1).width == 64);
  BOOST_CHECK_THROW(render_aerial(38, 32, 0), InputError);
  BOOST_CHECK_THROW(render_aerial(0, 8, 0), InputError);
}

BOOST_AUTO_TEST_CASE(classes_are_separable_by_colour) {
  // A nearest-centroid classifier on rotation-invariant colour histograms, trained on 12
  // seeds and tested on 6 others, must tell most of the 38 classes apart.
  auto features = [](const ImageBatch& image) {
    std::vector<float> h(64, 0.0f);
    for (std::size_t i = 0; i < image.pixels.size(); i += 3)
      h[(image.pixels[i] / 64) * 16 + (image.pixels[i + 1] / 64) * 4 + image.pixels[i + 2] / 64] += 1.0f;
    for (auto& v : h) v /= image.pixels.size() / 3;
    return h;
  };
  std::vector<std::vector<float>> centroid(38, std::vector<float>(64, 0.0f));
  for (int c = 0; c < 38; ++c)
    for (int seed = 0; seed < 12; ++seed) {
      const auto f = features(render_aerial(c, 32, seed));
      for (int k = 0; k < 64; ++k) centroid[c][k] += f[k] / 12;
    }
  int correct = 0, total = 0;
  for (int c = 0; c < 38; ++c)
    for (int seed = 100; seed < 106; ++seed, ++total) {
      const auto f = features(render_aerial(c, 32, seed));
      int best = 0;
      float best_distance = 1e9f;
      for (int k = 0; k < 38; ++k) {
        float d = 0;
        for (int j = 0; j < 64; ++j) d += std::fabs(f[j] - centroid[k][j]);
        if (d < best_distance) best_distance = d, best = k;
      }
      correct += best == c;
    }
  const double accuracy = double(correct) / total;
  BOOST_TEST_MESSAGE("nearest-centroid colour accuracy: " << accuracy);
  BOOST_TEST(accuracy > 0.6);
}

BOOST_AUTO_TEST_CASE(captions) {
  std::set<std::string> captions;
  for (std::uint64_t seed = 0; seed < 50; ++seed) captions.insert(aerial_caption(1, seed));
  BOOST_TEST(captions.count("an aerial image of a baseball field") == 1u);
  BOOST_TEST(captions.count("a satellite photo of a baseball field") == 1u);
  for (int c = 0; c < 38; ++c) {
    std::string phrase = aerial_class_names()[c];
    std::replace(phrase.begin(), phrase.end(), '_', ' ');
    BOOST_TEST(aerial_caption(c, 3).find(phrase) != std::string::npos, aerial_caption(c, 3));
  }
  BOOST_TEST(aerial_caption(0, 0).find("an airplane") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(image_folder)

BOOST_AUTO_TEST_CASE(reads_sorted_images_with_captions) {
  TempDir temp;
  make_folder(temp.path);
  const auto images = read_image_folder(temp.path, 32);
  BOOST_REQUIRE(images.size() == 3u);
  BOOST_TEST(images[0].file.filename() == "a.jpg");
  BOOST_TEST(images[1].file.filename() == "b.png");
  BOOST_TEST(images[2].file.filename() == "c.JPEG");
  BOOST_TEST(images[0].caption == "a hanok in the fire");
  BOOST_TEST(images[1].caption.empty());
  for (const auto& image : images) {
    BOOST_TEST(image.image.count == 1);
    BOOST_TEST(image.image.width == 32);
    BOOST_TEST(image.image.height == 32);
  }
  const Pixel jpeg = at(images[0].image, 16, 16);  // JPEG of (200, 50, 50)
  BOOST_TEST(std::abs(jpeg.r - 200) <= 8);
  BOOST_TEST(std::abs(jpeg.g - 50) <= 8);
  BOOST_TEST(std::abs(jpeg.b - 50) <= 8);
  // b.png (40×20) enlarged to 64×32 and centre-cropped: the red and blue quarters are gone.
  const ImageBatch& stripes = images[1].image;
  for (int x = 0; x < 32; ++x) {
    BOOST_TEST(at(stripes, x, 10).r < 100, "x " << x);
    BOOST_TEST(at(stripes, x, 10).b < 100, "x " << x);
  }
}

// Class subfolders (torchvision's ImageFolder): each item labelled with its folder, classes
// interleaved so a prefix is balanced; a folder with images of its own stays a plain folder.
BOOST_AUTO_TEST_CASE(class_subfolders_label_their_images) {
  TempDir temp;
  for (const auto& [name, count] : std::vector<std::pair<std::string, int>>{{"runway", 3}, {"beach", 1}, {"forest", 2}}) {
    fs::create_directories(temp.path / name);
    for (int i = 0; i < count; ++i) write_png(temp.path / name / (std::to_string(i) + ".png"), solid(8, 8, {10, 20, 30}));
  }
  fs::create_directories(temp.path / "empty");
  write_text(temp.path / "README.txt", "not an image");
  const DataSet set = load_data_reference(temp.path.string(), 16);
  std::vector<std::string> classes;
  for (const auto& item : set.items) classes.push_back(item.labels.at("class"));
  BOOST_TEST(classes == (std::vector<std::string>{"beach", "forest", "runway", "forest", "runway", "runway"}),
             boost::test_tools::per_element());
  BOOST_TEST(set.items[0].image.width == 16);
  // Images of its own: a plain folder, subfolders ignored, its name their class (one class's shots).
  make_folder(temp.path);
  const DataSet plain = load_data_reference(temp.path.string(), 16);
  BOOST_TEST(plain.items.size() == 3u);
  BOOST_TEST(plain.items[0].labels.at("class") == temp.path.filename().string());
  BOOST_TEST(load_data_reference(temp.path.string() + "/", 16).items[0].labels.at("class") ==
             temp.path.filename().string());
}

BOOST_AUTO_TEST_CASE(resizes_short_side_then_crops_the_centre) {
  // Shrinking averages areas: a 1-pixel checkerboard halves to flat grey.
  ImageBatch checker = solid(8, 4, {0, 0, 0});
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 8; ++x)
      if ((x + y) % 2) std::fill_n(&checker.pixels[(y * 8 + x) * 3], 3, 255);
  const ImageBatch half = resize_center_crop(checker, 2);
  BOOST_TEST(half.width == 2);
  BOOST_TEST(half.height == 2);
  for (std::uint8_t v : half.pixels) BOOST_TEST(std::abs(v - 128) <= 1);
  // Enlarging is bilinear: a 2×1 black|white ramp becomes monotone, ends kept.
  ImageBatch ramp = solid(2, 2, {0, 0, 0});
  std::fill_n(&ramp.pixels[3], 3, 255);
  std::fill_n(&ramp.pixels[9], 3, 255);
  const ImageBatch wide = resize_center_crop(ramp, 8);
  BOOST_TEST(at(wide, 0, 0).r == 0);
  BOOST_TEST(at(wide, 7, 0).r == 255);
  for (int x = 1; x < 8; ++x) BOOST_TEST(at(wide, x, 3).r >= at(wide, x - 1, 3).r);
  BOOST_TEST(at(wide, 3, 0).r > 0);
  BOOST_TEST(at(wide, 3, 0).r < 255);
  // A tall image keeps its middle rows.
  ImageBatch tall = solid(10, 30, {0, 0, 0});
  for (int y = 10; y < 20; ++y) std::fill_n(&tall.pixels[y * 10 * 3], 30, 255);
  const ImageBatch middle = resize_center_crop(tall, 10);
  BOOST_TEST(at(middle, 5, 0).r == 255);
  BOOST_TEST(at(middle, 5, 9).r == 255);
}

BOOST_AUTO_TEST_CASE(flips_horizontally) {
  ImageBatch image = solid(3, 2, {0, 0, 0});
  image.pixels[0] = 255;  // (0, 0) red
  const ImageBatch flipped = flip_horizontal(image);
  BOOST_TEST(at(flipped, 2, 0).r == 255);
  BOOST_TEST(at(flipped, 0, 0).r == 0);
  BOOST_TEST((flip_horizontal(flipped).pixels == image.pixels));
}

BOOST_AUTO_TEST_CASE(errors_name_the_folder_or_file) {
  TempDir temp;
  const fs::path missing = temp.path / "missing";
  std::string message = input_error_of([&] { read_image_folder(missing, 32); });
  BOOST_TEST(message.find(missing.string()) != std::string::npos, message);
  BOOST_TEST(message.find("does not exist") != std::string::npos, message);

  const fs::path empty = temp.path / "empty";
  fs::create_directories(empty);
  write_text(empty / "readme.txt", "no images here");
  message = input_error_of([&] { read_image_folder(empty, 32); });
  BOOST_TEST(message.find(empty.string()) != std::string::npos, message);
  BOOST_TEST(message.find("holds no image") != std::string::npos, message);

  message = input_error_of([&] { read_image_folder(empty / "readme.txt", 32); });
  BOOST_TEST(message.find("is not a folder") != std::string::npos, message);

  const fs::path corrupt = temp.path / "corrupt";
  fs::create_directories(corrupt);
  write_jpeg(corrupt / "good.jpg", solid(8, 8, {1, 2, 3}));
  write_text(corrupt / "bad.png", "this is not a PNG");
  message = input_error_of([&] { read_image_folder(corrupt, 32); });
  BOOST_TEST(message.find((corrupt / "bad.png").string()) != std::string::npos, message);
  BOOST_TEST(message.find("PNG or JPEG") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(substitutes_the_placeholder) {
  BOOST_TEST(substitute_placeholder("A building with a roof in the fire", "A building with a roof", "*") == "* in the fire");
  BOOST_TEST(substitute_placeholder("A fire broke out in a building with a roof", "A building with a roof", "*") ==
             "A fire broke out in *");
  BOOST_TEST(substitute_placeholder("a BUILDING with a roof, fire", "A building with a roof", "<hanok>") == "<hanok>, fire");
  BOOST_TEST(substitute_placeholder("a house, a house", "house", "V*") == "a V*, a V*");
  BOOST_TEST(substitute_placeholder("a temple", "A building with a roof", "*") == "a temple");
  BOOST_TEST(substitute_placeholder("a temple", "", "*") == "a temple");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(data_reference)

BOOST_AUTO_TEST_CASE(scenes_with_labels_and_captions) {
  const DataSet set = load_data_reference("builtin:scenes?count=12&seed=3", 32);
  BOOST_TEST(set.reference == "builtin:scenes?count=12&seed=3");
  BOOST_REQUIRE(set.items.size() == 12u);
  std::set<std::string> styles;
  for (const auto& item : set.items) {
    BOOST_TEST(item.image.width == 32);
    BOOST_TEST(item.labels.size() == 5u);
    const SceneStyle style = parse_scene_style(item.labels.at("style"), "x");
    BOOST_TEST(item.labels.at("class") == scene_style_noun(style));  // what class prompts and folders name
    styles.insert(item.labels.at("style"));
    BOOST_TEST(item.caption.find(scene_style_noun(style)) != std::string::npos, item.caption);
    const SceneLabels labels{style, parse_scene_disaster(item.labels.at("disaster"), "x"),
                             parse_scene_terrain(item.labels.at("terrain"), "x"), parse_scene_time(item.labels.at("time"), "x")};
    if (labels.disaster != SceneDisaster::none)
      BOOST_TEST(item.caption.find(item.labels.at("disaster")) != std::string::npos, item.caption);
    // The image is a render of exactly these labels: flames iff the label says fire.
    BOOST_TEST((count_pixels(item.image, flame_coloured) > 0) == (labels.disaster == SceneDisaster::fire));
  }
  BOOST_TEST(styles.size() >= 3u);
  BOOST_TEST(load_data_reference("builtin:scenes?count=2&size=64", 32).items[0].image.width == 64);
  BOOST_TEST(load_data_reference("builtin:scenes", 48).items.size() == 100u);
}

// balance=1: styles in turn, and a style's k-th shot is the same render whichever styles are
// selected (DataDream's per-class LoRA and the classifier see the same 16 shots).
BOOST_AUTO_TEST_CASE(balanced_scenes_take_styles_in_turn_with_the_same_shots) {
  const DataSet all = load_data_reference("builtin:scenes?style=hanok,western,apartment&balance=1&count=9&seed=4", 32);
  const DataSet hanok = load_data_reference("builtin:scenes?style=hanok&balance=1&count=3&seed=4", 32);
  BOOST_REQUIRE(all.items.size() == 9u);
  const std::vector<std::string> order{"hanok", "western", "apartment"};
  for (std::size_t i = 0; i < all.items.size(); ++i) BOOST_TEST(all.items[i].labels.at("style") == order[i % 3]);
  for (std::size_t k = 0; k < 3; ++k) {
    BOOST_TEST(all.items[3 * k].image.pixels == hanok.items[k].image.pixels);
    BOOST_TEST(all.items[3 * k].caption == hanok.items[k].caption);
  }
  BOOST_TEST(all.items[0].image.pixels != all.items[3].image.pixels);
  const DataSet other_seed = load_data_reference("builtin:scenes?style=hanok&balance=1&count=3&seed=5", 32);
  BOOST_TEST(other_seed.items[0].image.pixels != hanok.items[0].image.pixels);
  BOOST_TEST(testing::input_error_of([] { load_data_reference("builtin:scenes?balance=2", 32); })
                 .find("balance") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_smaller_count_is_a_prefix) {
  const DataSet small = load_data_reference("builtin:scenes?count=5&seed=9", 32);
  const DataSet large = load_data_reference("builtin:scenes?seed=9&count=50", 32);
  BOOST_REQUIRE(large.items.size() == 50u);
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST((small.items[i].image.pixels == large.items[i].image.pixels));
    BOOST_TEST(small.items[i].caption == large.items[i].caption);
    BOOST_TEST((small.items[i].labels == large.items[i].labels));
  }
  const DataSet other = load_data_reference("builtin:scenes?count=5&seed=10", 32);
  BOOST_TEST((other.items[0].image.pixels != small.items[0].image.pixels));
  const DataSet aerial_small = load_data_reference("builtin:aerial?count=3&seed=2", 32);
  const DataSet aerial_large = load_data_reference("builtin:aerial?count=40&seed=2", 32);
  for (int i = 0; i < 3; ++i) BOOST_TEST((aerial_small.items[i].image.pixels == aerial_large.items[i].image.pixels));
}

BOOST_AUTO_TEST_CASE(selections_are_respected) {
  const DataSet set = load_data_reference(
      "builtin:scenes?style=hanok,chinese&disaster=fire&terrain=river&time=night&count=20", 32);
  std::set<std::string> styles;
  for (const auto& item : set.items) {
    styles.insert(item.labels.at("style"));
    BOOST_TEST(item.labels.at("disaster") == "fire");
    BOOST_TEST(item.labels.at("terrain") == "river");
    BOOST_TEST(item.labels.at("time") == "night");
  }
  BOOST_TEST((styles == std::set<std::string>{"chinese", "hanok"}));
  const DataSet pretraining = load_data_reference("builtin:scenes?exclude_style=hanok&count=60", 32);
  std::set<std::string> seen;
  for (const auto& item : pretraining.items) seen.insert(item.labels.at("style"));
  BOOST_TEST(seen.count("hanok") == 0u);
  BOOST_TEST(seen.size() == 5u);
  const DataSet only = load_data_reference("builtin:scenes?style=hanok,western&exclude_style=western&count=8", 32);
  for (const auto& item : only.items) BOOST_TEST(item.labels.at("style") == "hanok");
}

BOOST_AUTO_TEST_CASE(aerial_classes_cycle) {
  const DataSet set = load_data_reference("builtin:aerial?class=airplane,beach&count=5&size=16", 32);
  BOOST_REQUIRE(set.items.size() == 5u);
  const char* expected[] = {"airplane", "beach", "airplane", "beach", "airplane"};
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(set.items[i].labels.at("class") == expected[i]);
    BOOST_TEST(set.items[i].caption.find(expected[i]) != std::string::npos);
    BOOST_TEST(set.items[i].image.width == 16);
  }
  const DataSet all = load_data_reference("builtin:aerial?count=40", 32);
  BOOST_TEST(all.items[37].labels.at("class") == "wastewater_treatment_plant");
  BOOST_TEST(all.items[38].labels.at("class") == "airplane");
}

// Harder conditions (aerial_conditions.h): all 0 is the clean render byte for byte; each one
// changes the images deterministically, keeps labels and the prefix property.
BOOST_AUTO_TEST_CASE(aerial_conditions_degrade_renders) {
  const DataSet clean = load_data_reference("builtin:aerial?count=40&seed=2", 32);
  const DataSet zero = load_data_reference("builtin:aerial?count=40&seed=2&clouds=0&noise=0&mix=0", 32);
  for (int i = 0; i < 40; ++i) BOOST_TEST((zero.items[i].image.pixels == clean.items[i].image.pixels));
  for (const char* condition : {"clouds=0.8", "noise=0.1", "mix=0.5"}) {
    const std::string reference = std::string("builtin:aerial?count=40&seed=2&") + condition;
    const DataSet hard = load_data_reference(reference, 32);
    const DataSet prefix = load_data_reference(std::string("builtin:aerial?count=5&seed=2&") + condition, 32);
    int changed = 0;
    for (int i = 0; i < 40; ++i) {
      changed += hard.items[i].image.pixels != clean.items[i].image.pixels;
      BOOST_TEST((hard.items[i].labels == clean.items[i].labels));
      BOOST_TEST(hard.items[i].caption == clean.items[i].caption);
    }
    BOOST_TEST(changed >= 38, condition << ": " << changed << " of 40 images changed");
    for (int i = 0; i < 5; ++i) BOOST_TEST((prefix.items[i].image.pixels == hard.items[i].image.pixels), condition);
  }
}

// Noise has the std asked for: on a mid-grey image (no clipping) the differences' std is
// noise × 255 within 10 % (3,072 draws: the sample std's standard error is ~1.3 %).
BOOST_AUTO_TEST_CASE(aerial_noise_has_the_asked_std) {
  ImageBatch image;
  image.count = 1, image.height = image.width = 32;
  image.pixels.assign(32 * 32 * 3, 128);
  const ImageBatch grey = image;
  AerialConditions conditions;
  conditions.noise = 0.1;
  apply_aerial_conditions(image, ImageBatch{}, conditions, 7);
  double sum = 0, squares = 0;
  for (std::size_t i = 0; i < image.pixels.size(); ++i) {
    const double d = double(image.pixels[i]) - grey.pixels[i];
    sum += d, squares += d * d;
  }
  const double n = double(image.pixels.size()), mean = sum / n, std = std::sqrt(squares / n - mean * mean);
  BOOST_TEST(std::abs(std / 25.5 - 1) < 0.1, "std " << std);
  BOOST_TEST(std::abs(mean) < 2.0, "mean " << mean);
}

BOOST_AUTO_TEST_CASE(folders_are_paths) {
  TempDir temp;
  make_folder(temp.path);
  const DataSet set = load_data_reference(temp.path.string(), 24);
  BOOST_REQUIRE(set.items.size() == 3u);
  BOOST_TEST(set.items[0].caption == "a hanok in the fire");
  BOOST_TEST(set.items[0].image.width == 24);
  BOOST_TEST(set.items[0].labels.size() == 1u);  // class: the folder's name
  const std::string message = input_error_of([&] { load_data_reference((temp.path / "nope").string(), 32); });
  BOOST_TEST(message.find((temp.path / "nope").string()) != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(bad_references_name_the_parameter) {
  struct Case {
    const char* reference;
    std::vector<const char*> expected;  // all in the message
  };
  const std::vector<Case> cases{
      {"builtin:scenes?styel=hanok", {"'builtin:scenes?styel=hanok'", "unknown parameter 'styel'", "did you mean 'style'"}},
      {"builtin:scenes?count=abc", {"parameter 'count'", "'abc'", "positive integer"}},
      {"builtin:scenes?count=0", {"parameter 'count'", "'0'", "positive integer"}},
      {"builtin:scenes?count=-3", {"parameter 'count'", "'-3'"}},
      {"builtin:scenes?count=5x", {"parameter 'count'", "'5x'"}},
      {"builtin:scenes?count=2.5", {"parameter 'count'", "'2.5'"}},
      {"builtin:scenes?seed=-1", {"parameter 'seed'", "non-negative integer"}},
      {"builtin:scenes?size=8", {"parameter 'size'", "[16, 512]"}},
      {"builtin:scenes?style=hanko", {"builtin:scenes?style=hanko", "parameter 'style'", "'hanko'", "did you mean 'hanok'"}},
      {"builtin:scenes?style=hanok,", {"parameter 'style'", "unknown style ''"}},
      {"builtin:scenes?disaster=flod", {"parameter 'disaster'", "did you mean 'flood'"}},
      {"builtin:scenes?terrain=hills", {"parameter 'terrain'", "'hills'"}},
      {"builtin:scenes?time=noon", {"parameter 'time'", "'noon'"}},
      {"builtin:scenes?exclude_style=hanok,chinese,japanese,western,apartment,none", {"parameter 'exclude_style'", "every style is excluded"}},
      {"builtin:scenes?count", {"'count' is not a parameter", "key=value"}},
      {"builtin:scenes?count=5&count=6", {"'count' is given twice"}},
      {"builtin:scenes?count=", {"'count' has no value"}},
      {"builtin:scenes?count=5&&seed=1", {"'' is not a parameter"}},
      {"builtin:aerial?style=hanok", {"unknown parameter 'style'", "known parameters: class, count, seed, size, clouds"}},
      {"builtin:aerial?clouds=1.5", {"parameter 'clouds'", "'1.5'", "[0, 1]"}},
      {"builtin:aerial?noise=nan", {"parameter 'noise'", "'nan'"}},
      {"builtin:aerial?noise=0.1x", {"parameter 'noise'", "'0.1x'"}},
      {"builtin:aerial?mix=0.6", {"parameter 'mix'", "[0, 0.5]"}},
      {"builtin:aerial?class=airplan", {"parameter 'class'", "did you mean 'airplane'"}},
      {"builtin:scene?count=5", {"unknown builtin world 'scene'", "did you mean 'scenes'", "builtin:scenes, builtin:aerial"}},
      {"builtin:satellite", {"unknown builtin world 'satellite'", "builtin:scenes, builtin:aerial"}},
  };
  for (const auto& c : cases) {
    const std::string message = input_error_of([&] { load_data_reference(c.reference, 32); });
    for (const char* part : c.expected) BOOST_TEST(message.find(part) != std::string::npos, c.reference << ": " << message);
  }
}

BOOST_AUTO_TEST_SUITE_END()
