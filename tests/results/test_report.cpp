// test_report.cpp — `tunegrid report` from fixture stores built here with the shard writer:
// known metric values give a known Markdown and CSV table (mean ± sample std over seeds, the
// Average row, published values and differences); a partial store shows its missing cells,
// failed and unreadable shards; [report] / [reference] mistakes are InputErrors naming the
// key; CSV parses with the expected columns, HTML and SVG are well-formed XML (python3 when
// present), LaTeX compiles (pdflatex when present), PNGs decode at the expected sizes with the
// cells' images where the layout says; and a shard's images read back (core/shard_reader).
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config.h"
#include "core/image_io.h"
#include "core/plan.h"
#include "core/shard_reader.h"
#include "core/shard_writer.h"
#include "core/device_benchmark.h"
#include "results/device_report.h"
#include "results/report.h"
#include "results/report_figures.h"
#include "tests/input_error.h"
#include "tests/temp_dir.h"

using namespace tunegrid;
namespace fs = std::filesystem;

namespace {

struct TempDir : tunegrid::testing::TempDir {  // an empty store: DIR/jobs/
  TempDir() : tunegrid::testing::TempDir("report") { fs::create_directories(path / "jobs"); }
};

const char* kExperiment = R"(
[experiment]
name = "hanok-test"
[grid]
finetuned = ["textual_inversion", "lora"]
train_images = [5, 50]
prompt = ["{} in the fire", "{}, fire"]
seed = [1, 2, 3]
[jobs.textual_inversion]
kind = "finetune.textual_inversion"
over = ["train_images", "seed"]
[jobs.lora]
kind = "finetune.lora"
over = ["train_images", "seed"]
[jobs.sample]
kind = "sample"
[report]
metrics = ["clip_score", "style_accuracy"]
[report.labels]
textual_inversion = "Textual Inversion"
"{} in the fire" = "B: * in the fire"
[reference]
source = "Test et al. 2024"
rows = [5, 50]
[reference.clip_score."{} in the fire"]
textual_inversion = [0.26, 0.20]
)";

KindCatalog catalog() {
  KindCatalog kinds;
  for (const char* name : {"sample", "finetune.textual_inversion", "finetune.lora"}) kinds[name] = KindSpec{name, "", {}};
  return kinds;
}

struct Fixture {
  PlanDocument document = split_plan_document(kExperiment, "plan.toml");
  Plan plan = build_plan(parse_experiment(document.experiment_toml, "plan.toml", {}, catalog()), catalog());
};

std::string text_of(const Job& job, const std::string& axis) {
  for (const auto& [name, value] : job.coordinates)
    if (name == axis) return coordinate_text(value);
  return "";
}

// Known numbers: clip_score = base(method, images, prompt) + (seed - 2) * 0.01, so each cell's
// mean is the base and its sample std 0.01; style_accuracy = 0.5 for every job; train time =
// 10 (TI) or 30 (LoRA), +10 at 50 images, + (seed - 2): mean 10 / 20 / 30 / 40, std 1.
double base_clip(const std::string& method, const std::string& images, const std::string& prompt) {
  const double value = method == "textual_inversion" ? (images == "5" ? 0.25 : 0.23) : (images == "5" ? 0.27 : 0.29);
  return value + (prompt == "{}, fire" ? 0.01 : 0);
}

// Each cell's images: two 8x8 solid images, the first coloured by the cell.
ImageBatch cell_images(int method, int images, int prompt) {
  ImageBatch batch;
  batch.key = "samples";
  batch.count = 2;
  batch.height = batch.width = 8;
  for (int i = 0; i < 2 * 64; ++i) {
    const bool first = i < 64;
    batch.pixels.push_back(first ? static_cast<std::uint8_t>(40 + 100 * method) : 0);
    batch.pixels.push_back(first ? static_cast<std::uint8_t>(40 + 100 * images) : 0);
    batch.pixels.push_back(first ? static_cast<std::uint8_t>(40 + 100 * prompt) : 0);
  }
  return batch;
}

// Writes the shard of `job`: done with the known numbers, or failed with `error`.
void write_job(const fs::path& store, const Plan& plan, const Job& job, const std::string& error = "") {
  ShardHeader header;
  header.job_id = job.id;
  header.kind = job.kind;
  header.status = error.empty() ? JobStatus::done : JobStatus::failed;
  header.spec = plan.spec_toml(job);
  header.params = job.coordinates;
  header.error = error;
  JobOutputs outputs;
  const int seed = std::stoi(text_of(job, "seed"));
  const std::string images = text_of(job, "train_images");
  if (error.empty() && job.kind == "sample") {
    const std::string method = text_of(job, "finetuned"), prompt = text_of(job, "prompt");
    // The base model (no method, no training images): 0.10, 0.11 for "{}, fire".
    const double clip = method.empty() ? 0.10 + (prompt == "{}, fire" ? 0.01 : 0) : base_clip(method, images, prompt);
    outputs.metrics["clip_score"] = clip + (seed - 2) * 0.01;
    outputs.metrics["style_accuracy"] = 0.5;
    // Per class (report.per_class): hanok 0.4 / 0.5 / 0.6 over seeds 1-3, western 0.7 (TI) or 0.9 (LoRA).
    outputs.metrics["style_accuracy.hanok"] = 0.5 + (seed - 2) * 0.1;
    outputs.metrics["style_accuracy.western"] = method == "lora" ? 0.9 : 0.7;
    outputs.images.push_back(cell_images(method == "lora", images == "50", prompt == "{}, fire"));
  } else if (error.empty()) {
    outputs.timings["train"] = (job.kind == "finetune.lora" ? 30 : 10) + (images == "50" ? 10 : 0) + (seed - 2);
  }
  write_shard(store, header, outputs);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool have(const char* program) { return std::system(fmt::format("command -v {} >/dev/null 2>&1", program).c_str()) == 0; }

// RFC 4180 lines into fields.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') rows.back().back() += '"', ++i;
      else if (ch == '"') quoted = false;
      else rows.back().back() += ch;
    } else if (ch == '"') quoted = true;
    else if (ch == ',') rows.back().emplace_back();
    else if (ch == '\n') rows.emplace_back(1);
    else rows.back().back() += ch;
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

bool xml_well_formed(const fs::path& file) {
  return std::system(fmt::format("python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' '{}'",
                                 file.string()).c_str()) == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(shard_images)

BOOST_AUTO_TEST_CASE(images_read_back_whole_or_limited) {
  TempDir store;
  ShardHeader header;
  header.job_id = "00000000000000aa";
  header.kind = "sample";
  JobOutputs outputs;
  outputs.images.push_back(cell_images(1, 0, 1));
  write_shard(store.path, header, outputs);
  const fs::path shard = shard_path(store.path, header.job_id);
  const ImageBatch all = read_shard_images(shard, "samples");
  BOOST_TEST(all.count == 2);
  BOOST_TEST(all.height == 8);
  BOOST_TEST(all.width == 8);
  BOOST_TEST(all.pixels == outputs.images[0].pixels);
  const ImageBatch first = read_shard_images(shard, "samples", 1);
  BOOST_TEST(first.count == 1);
  BOOST_TEST(std::vector<std::uint8_t>(first.pixels.begin(), first.pixels.end()) ==
             std::vector<std::uint8_t>(all.pixels.begin(), all.pixels.begin() + 8 * 8 * 3));
  BOOST_CHECK_THROW(read_shard_images(shard, "nope"), StoreError);
  BOOST_CHECK_THROW(read_shard_images(store.path / "jobs" / "missing.h5", "samples"), StoreError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(report)

BOOST_AUTO_TEST_CASE(settings_defaults_and_errors) {
  const ReportSettings defaults = split_plan_document("[jobs.a]\nkind = \"sample\"\n", "p.toml").settings;
  BOOST_TEST(defaults.report.kind == "sample");
  BOOST_TEST(defaults.report.tables == "prompt");
  BOOST_TEST(defaults.report.rows == "train_images");
  BOOST_TEST(defaults.report.columns == "finetuned");
  BOOST_TEST(defaults.report.metrics.size() == 3u);
  BOOST_TEST(defaults.report.timing_kinds == "finetune.");
  BOOST_TEST(!defaults.reference.present);
  const PlanDocument document = split_plan_document(kExperiment, "plan.toml");
  BOOST_TEST(document.experiment_toml.find("report") == std::string::npos);
  BOOST_TEST(*document.settings.reference.find("clip_score", "{} in the fire", "50", "textual_inversion") == 0.20);
  BOOST_TEST(document.settings.report.label("{} in the fire") == "B: * in the fire");

  auto error = [](const std::string& text) {
    return testing::input_error_of([&] { split_plan_document(text, "p.toml"); });
  };
  std::string message = error("[report]\ncolums = \"x\"\n");
  BOOST_TEST(message.find("p.toml:2:1: unknown key 'report.colums' (did you mean 'columns'?)") != std::string::npos, message);
  message = error("[report]\nmetrics = \"clip_score\"\n");
  BOOST_TEST(message.find("'report.metrics' expects a non-empty array of metric names") != std::string::npos, message);
  message = error("[report]\nrows = 5\n");
  BOOST_TEST(message.find("'report.rows' expects a string, found an integer") != std::string::npos, message);
  message = error("[report]\nrows = \"prompt\"\n");
  BOOST_TEST(message.find("three different coordinates") != std::string::npos, message);
  message = error("[reference]\nrows = [5]\n[reference.clip_scor.p]\nlora = [0.2]\n");
  BOOST_TEST(message.find("unknown key 'reference.clip_scor'") != std::string::npos, message);
  BOOST_TEST(message.find("did you mean 'clip_score'") != std::string::npos, message);
  message = error("[reference]\nrows = [5, 50]\n[reference.clip_score.p]\nlora = [0.2]\n");
  BOOST_TEST(message.find("'reference.clip_score.\"p\".lora' expects an array of 2 numbers") != std::string::npos, message);
  message = error("[reference]\nrows = [5]\n[reference.clip_score.p]\nlora = [\"x\"]\n");
  BOOST_TEST(message.find("expects numbers, found a string") != std::string::npos, message);
  message = error("[reference.clip_score.p]\nlora = [0.2]\n");
  BOOST_TEST(message.find("needs 'reference.rows'") != std::string::npos, message);
  message = error("[report.labels]\nlora = 3\n");
  BOOST_TEST(message.find("'report.labels.\"lora\"' expects a string") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(full_store_gives_the_known_tables) {
  TempDir store;
  Fixture fixture;
  for (const auto& job : fixture.plan.jobs) write_job(store.path, fixture.plan, job);
  ReportRequest request;
  request.dir = store.path.string();
  const StoreScan scan = scan_store(store.path);
  const std::string md = make_report(request, scan, &fixture.plan, fixture.document.settings, "hanok-test");

  BOOST_TEST(md.find("36 of 36 planned jobs done, 0 failed, 0 not run yet; 36 shard(s), 0 unreadable") != std::string::npos, md);
  BOOST_TEST(md.find("## clip\\_score — prompt = B: \\* in the fire\n\n"
                     "| train\\_images | Textual Inversion | published | Δ | lora | published | Δ |\n"
                     "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
                     "| 5 | 0.2500 ± 0.0100 (n=3) | 0.2600 | -0.0100 | 0.2700 ± 0.0100 (n=3) | — | — |\n"
                     "| 50 | 0.2300 ± 0.0100 (n=3) | 0.2000 | +0.0300 | 0.2900 ± 0.0100 (n=3) | — | — |\n"
                     "| Average | 0.2400 | 0.2300 | +0.0100 | 0.2800 | — | — |\n"
                     "\npublished: Test et al. 2024; Δ = ours − published.\n") != std::string::npos, md);
  BOOST_TEST(md.find("## clip\\_score — prompt = {}, fire\n\n"
                     "| train\\_images | Textual Inversion | lora |\n"
                     "| --- | ---: | ---: |\n"
                     "| 5 | 0.2600 ± 0.0100 (n=3) | 0.2800 ± 0.0100 (n=3) |\n"
                     "| 50 | 0.2400 ± 0.0100 (n=3) | 0.3000 ± 0.0100 (n=3) |\n"
                     "| Average | 0.2500 | 0.2900 |\n") != std::string::npos, md);
  BOOST_TEST(md.find("| 5 | 0.5000 ± 0.0000 (n=3) | 0.5000 ± 0.0000 (n=3) |") != std::string::npos, md);
  BOOST_TEST(md.find("## Training time — timings/train in seconds\n\n"
                     "| train\\_images | Textual Inversion | lora |\n"
                     "| --- | ---: | ---: |\n"
                     "| 5 | 10.00 ± 1.00 (n=3) | 30.00 ± 1.00 (n=3) |\n"
                     "| 50 | 20.00 ± 1.00 (n=3) | 40.00 ± 1.00 (n=3) |\n") != std::string::npos, md);
  BOOST_TEST(md.find("Failed jobs") == std::string::npos);

  // Figures under DIR/report/: the timing plot as PNG and SVG, one grid per prompt.
  const fs::path figures = store.path / "report";
  const ImageBatch plot = read_png(figures / "timing.png");
  BOOST_TEST(plot.width == kLineChartWidth);
  BOOST_TEST(plot.height == kLineChartHeight);
  BOOST_TEST(read_text(figures / "timing.svg").find("<svg") != std::string::npos);
  if (have("python3")) BOOST_TEST(xml_well_formed(figures / "timing.svg"));
  BOOST_TEST(md.find((figures / "grid-1-in-the-fire.png").string()) != std::string::npos, md);
  // A chart per metric table (two rows, 5 and 50 images): one line per column, in Markdown too.
  const fs::path chart = figures / "chart-1-clip-score-in-the-fire.png";
  BOOST_TEST(read_png(chart).width == kLineChartWidth);
  BOOST_TEST(md.find("![clip\\_score vs train\\_images](" + (figures / "chart-1-clip-score-in-the-fire.svg").string() + ")") !=
                 std::string::npos,
             md);
  const std::string chart_svg = read_text(figures / "chart-1-clip-score-in-the-fire.svg");
  BOOST_TEST(chart_svg.find("<svg") != std::string::npos);
  BOOST_TEST(md.find((figures / "grid-2-fire.png").string()) != std::string::npos, md);

  // The grid: each cell's two 8 px images side by side (grid_samples = 4, two there), enlarged
  // 6x to a 96 x 48 block; the first coloured by the cell, the second black.
  ReportData data = collect_report(request.dir, "hanok-test", scan, &fixture.plan, fixture.document.settings);
  std::vector<std::string> notes;
  if (const char* keep = std::getenv("TUNEGRID_KEEP_REPORT")) fs::copy(figures, keep, fs::copy_options::overwrite_existing | fs::copy_options::recursive);
  const GridLayout layout = write_image_grid(data.grids[1], data.settings.report, store.path / "grid.png", notes);
  BOOST_TEST(notes.empty());
  BOOST_TEST(layout.images == 4);
  BOOST_TEST(layout.samples == 2);
  BOOST_TEST(layout.cell_height == 48);
  BOOST_TEST(layout.cell_width >= 96);
  const ImageBatch grid = read_png(store.path / "grid.png");
  BOOST_TEST(grid.width == layout.width);
  BOOST_TEST(grid.height == layout.height);
  auto pixel_at = [&](int x, int y) { return grid.pixels.data() + (static_cast<std::size_t>(y) * grid.width + x) * 3; };
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) {
      const int middle = layout.x0 + c * layout.pitch_x + layout.cell_width / 2, y = layout.y0 + r * layout.pitch_y + 24;
      // Columns: textual_inversion, lora; rows: 5, 50; table 2: "{}, fire".
      const std::uint8_t* first = pixel_at(middle - 24, y);
      BOOST_TEST(int(first[0]) == 40 + 100 * c);
      BOOST_TEST(int(first[1]) == 40 + 100 * r);
      BOOST_TEST(int(first[2]) == 140);
      const std::uint8_t* second = pixel_at(middle + 24, y);
      BOOST_TEST(int(second[0]) + int(second[1]) + int(second[2]) == 0);
    }
  // grid_samples = 1: one image per cell, 96 px.
  data.settings.report.grid_samples = 1;
  const GridLayout single = write_image_grid(data.grids[1], data.settings.report, store.path / "grid1.png", notes);
  BOOST_TEST(single.samples == 1);
  BOOST_TEST(single.cell_height == 96);
}

// [report] baseline: the base model's jobs (prompt and seed only) fill a first column with
// the same cell in every row; a baseline stage with no jobs is a note, not an error.
BOOST_AUTO_TEST_CASE(baseline_column_repeats_the_base_model_in_every_row) {
  const std::string experiment = std::string(kExperiment).replace(std::string(kExperiment).find("[report]\n"), 9,
                                                                  "[jobs.base]\nkind = \"sample\"\nover = [\"prompt\", "
                                                                  "\"seed\"]\n[report]\nbaseline = \"base\"\n");
  const PlanDocument document = split_plan_document(experiment, "plan.toml");
  BOOST_TEST(document.settings.report.baseline == "base");
  const Plan plan = build_plan(parse_experiment(document.experiment_toml, "plan.toml", {}, catalog()), catalog());
  TempDir store;
  for (const auto& job : plan.jobs) write_job(store.path, plan, job);
  ReportRequest request;
  request.dir = store.path.string();
  const std::string md = make_report(request, scan_store(store.path), &plan, document.settings, "t");
  BOOST_TEST(md.find("42 of 42 planned jobs done") != std::string::npos, md);
  BOOST_TEST(md.find("## clip\\_score — prompt = {}, fire\n\n"
                     "| train\\_images | base | Textual Inversion | lora |\n"
                     "| --- | ---: | ---: | ---: |\n"
                     "| 5 | 0.1100 ± 0.0100 (n=3) | 0.2600 ± 0.0100 (n=3) | 0.2800 ± 0.0100 (n=3) |\n"
                     "| 50 | 0.1100 ± 0.0100 (n=3) | 0.2400 ± 0.0100 (n=3) | 0.3000 ± 0.0100 (n=3) |\n"
                     "| Average | 0.1100 | 0.2500 | 0.2900 |\n") != std::string::npos, md);
  BOOST_TEST(md.find("| 5 | 0.1000 ± 0.0100 (n=3) | — | — | 0.2500 ± 0.0100 (n=3) | 0.2600 | -0.0100 |") !=
                 std::string::npos, md);
  // The grid has the base model's first image in every row of the first column.
  ReportData data = collect_report(request.dir, "t", scan_store(store.path), &plan, document.settings);
  BOOST_TEST(data.columns.front() == "base");
  BOOST_TEST(data.grids[0].cells[0][0].shard == data.grids[0].cells[1][0].shard);
  BOOST_TEST(!data.grids[0].cells[0][0].shard.empty());

  ReportSettings missing = document.settings;
  missing.report.baseline = "base_model";
  const std::string without = make_report(request, scan_store(store.path), &plan, missing, "t");
  BOOST_TEST(without.find("no 'sample' jobs in the baseline stage 'base\\_model'") != std::string::npos, without);
  BOOST_TEST(without.find("| train\\_images | Textual Inversion | published | Δ | lora |") != std::string::npos, without);
}

BOOST_AUTO_TEST_CASE(partial_store_shows_missing_cells_and_failures) {
  TempDir store;
  Fixture fixture;
  int failed = 0;
  for (const auto& job : fixture.plan.jobs) {
    const bool lora_50_fire = job.kind == "sample" && text_of(job, "finetuned") == "lora" &&
                              text_of(job, "train_images") == "50" && text_of(job, "prompt") == "{} in the fire";
    if (lora_50_fire) continue;  // not run yet
    const bool fail = job.kind == "sample" && text_of(job, "finetuned") == "textual_inversion" &&
                      text_of(job, "train_images") == "5" && text_of(job, "prompt") == "{} in the fire" &&
                      text_of(job, "seed") == "3";
    write_job(store.path, fixture.plan, job, fail ? "CUDA out of memory | at step 3" : "");
    failed += fail;
  }
  BOOST_TEST(failed == 1);
  std::ofstream(store.path / "jobs" / "ffffffffffffffff.h5") << "not hdf5";
  ReportRequest request;
  request.dir = store.path.string();
  const std::string md = make_report(request, scan_store(store.path), &fixture.plan, fixture.document.settings, "t");
  BOOST_TEST(md.find("32 of 36 planned jobs done, 1 failed, 3 not run yet; 33 shard(s), 1 unreadable") != std::string::npos, md);
  // TI at 5 images: seeds 1 and 2 only, mean 0.245, std 0.00707; LoRA at 50: missing.
  BOOST_TEST(md.find("| 5 | 0.2450 ± 0.0071 (n=2 of 3, 1 failed) | 0.2600 | -0.0150 | 0.2700 ± 0.0100 (n=3) | — | — |\n"
                     "| 50 | 0.2300 ± 0.0100 (n=3) | 0.2000 | +0.0300 | — | — | — |\n"
                     "| Average | 0.2375 | 0.2300 | +0.0075 | 0.2700 (1 of 2 rows) | — | — |\n") != std::string::npos, md);
  BOOST_TEST(md.find("## Failed jobs (1)") != std::string::npos, md);
  BOOST_TEST(md.find("| sample | finetuned=textual\\_inversion prompt={} in the fire seed=3 train\\_images=5 | CUDA out of "
                     "memory \\| at step 3 |") != std::string::npos, md);
  BOOST_TEST(md.find("## Unreadable shards (1)") != std::string::npos, md);
  BOOST_TEST(md.find("ffffffffffffffff.h5") != std::string::npos, md);

  // Without a plan: the same numbers from the shards alone, no expected counts.
  const std::string alone = make_report(request, scan_store(store.path), nullptr, fixture.document.settings, "t");
  BOOST_TEST(alone.find("no plan") != std::string::npos, alone);
  BOOST_TEST(alone.find("| 0.2450 ± 0.0071 (n=2, 1 failed) |") != std::string::npos, alone);

  // The grid shows the missing cell as missing and still has the other three.
  ReportData data = collect_report(request.dir, "t", scan_store(store.path), &fixture.plan, fixture.document.settings);
  std::vector<std::string> notes;
  BOOST_TEST(write_image_grid(data.grids[0], data.settings.report, store.path / "g.png", notes).images == 3);
}

BOOST_AUTO_TEST_CASE(every_format_parses) {
  TempDir store;
  Fixture fixture;
  for (const auto& job : fixture.plan.jobs)
    write_job(store.path, fixture.plan, job, job.kind == "finetune.lora" && text_of(job, "seed") == "1" ? "diverged" : "");
  const StoreScan scan = scan_store(store.path);
  const fs::path out = store.path / "out";
  fs::create_directories(out);

  // CSV: the header, one row per cell and Average, then the timings; fields parse back.
  ReportRequest request;
  request.dir = store.path.string();
  request.format = "csv";
  request.out = (out / "report.csv").string();
  make_report(request, scan, &fixture.plan, fixture.document.settings, "t");
  const auto rows = parse_csv(read_text(out / "report.csv"));
  BOOST_TEST(rows.at(0) == (std::vector<std::string>{"metric", "table", "row", "column", "mean", "std", "n", "reference",
                                                      "difference"}),
             boost::test_tools::per_element());
  BOOST_TEST(rows.size() == 1u + 2 * 2 * 3 * 2 + 2 * 2);  // metrics x prompts x (2 rows + Average) x methods, timings
  for (const auto& row : rows) BOOST_TEST(row.size() == 9u);
  BOOST_TEST(rows[1][0] == "clip_score");
  BOOST_TEST(rows[1][1] == "{} in the fire");
  BOOST_TEST(rows[1][2] == "5");
  BOOST_TEST(rows[1][3] == "textual_inversion");
  BOOST_TEST(std::stod(rows[1][4]) == 0.25, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(std::stod(rows[1][5]) == 0.01, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(rows[1][6] == "3");
  BOOST_TEST(std::stod(rows[1][7]) == 0.26);
  BOOST_TEST(std::stod(rows[1][8]) == -0.01, boost::test_tools::tolerance(1e-9));
  bool comma_table = false, lora_timing = false;
  for (const auto& row : rows) {
    comma_table = comma_table || row[1] == "{}, fire";
    if (row[0] == "timings/train" && row[2] == "5" && row[3] == "lora") {
      lora_timing = true;
      BOOST_TEST(std::stod(row[4]) == 30.5);  // seeds 2 and 3: 30, 31
      BOOST_TEST(row[6] == "2");
    }
  }
  BOOST_TEST(comma_table);
  BOOST_TEST(lora_timing);

  // HTML: well-formed, self-contained (data URIs, inline SVG, no external references).
  request.format = "html";
  request.out = (out / "report.html").string();
  make_report(request, scan, &fixture.plan, fixture.document.settings, "t");
  const std::string html = read_text(out / "report.html");
  BOOST_TEST(html.find("data:image/png;base64,") != std::string::npos);
  BOOST_TEST(html.find("<svg") != std::string::npos);
  BOOST_TEST(html.find("<?xml") == std::string::npos);
  BOOST_TEST(html.find("diverged") != std::string::npos);
  BOOST_TEST(html.find("src=\"report") == std::string::npos);
  BOOST_TEST(fs::exists(out / "report-timing.svg"));
  BOOST_TEST(fs::exists(out / "report-grid-1-in-the-fire.png"));
  if (have("python3")) {
    BOOST_TEST(xml_well_formed(out / "report.html"));
    BOOST_TEST(std::system(fmt::format("python3 -c 'import sys, html.parser as H; p = H.HTMLParser(); "
                                       "p.feed(open(sys.argv[1]).read()); p.close()' '{}'",
                                       (out / "report.html").string()).c_str()) == 0);
  } else {
    BOOST_TEST_MESSAGE("python3 not found: HTML checked structurally only");
    BOOST_TEST(html.rfind("</html>") != std::string::npos);
  }

  // LaTeX: compiles with pdflatex when there is one.
  request.format = "tex";
  request.out = (out / "report.tex").string();
  make_report(request, scan, &fixture.plan, fixture.document.settings, "t");
  const std::string tex = read_text(out / "report.tex");
  BOOST_TEST(tex.find("\\begin{tabular}") != std::string::npos);
  BOOST_TEST(tex.find("B: * in the fire") != std::string::npos);
  BOOST_TEST(tex.find("\\{\\}, fire") != std::string::npos);
  if (have("pdflatex")) {
    const int status = std::system(fmt::format("cd '{}' && pdflatex -interaction=nonstopmode -halt-on-error report.tex "
                                               ">pdflatex.log 2>&1", out.string()).c_str());
    BOOST_TEST(status == 0, read_text(out / "pdflatex.log"));
    BOOST_TEST(fs::exists(out / "report.pdf"));
  } else {
    BOOST_TEST_MESSAGE("pdflatex not found: skipping the LaTeX compile check");
  }
}

BOOST_AUTO_TEST_CASE(format_names) {
  BOOST_TEST(int(parse_report_format("md")) == int(ReportFormat::markdown));
  BOOST_TEST(int(parse_report_format("tex")) == int(ReportFormat::latex));
  const std::string message = testing::input_error_of([] { parse_report_format("pdf"); });
  BOOST_TEST(message.find("expected md, csv, tex or html") != std::string::npos, message);
}

// [report] spread = "seed": every cell also shows each seed's mean (the known numbers move by
// 0.01 per seed), the Average row each seed's mean over the rows; a failed job leaves a gap.
BOOST_AUTO_TEST_CASE(cells_show_the_spread_coordinates_values) {
  TempDir store;
  Fixture fixture;
  fixture.document.settings.report.spread = "seed";
  for (const auto& job : fixture.plan.jobs) {
    const bool fail = job.kind == "sample" && text_of(job, "seed") == "3" && text_of(job, "train_images") == "50";
    write_job(store.path, fixture.plan, job, fail ? "diverged" : "");
  }
  ReportRequest request;
  request.dir = store.path.string();
  const std::string md = make_report(request, scan_store(store.path), &fixture.plan, fixture.document.settings, "t");
  BOOST_TEST(md.find("| 5 | 0.2500 ± 0.0100 [0.2400 / 0.2500 / 0.2600] (n=3) |") != std::string::npos, md);
  BOOST_TEST(md.find("| 50 | 0.2250 ± 0.0071 [0.2200 / 0.2300 / —] (n=2 of 3, 1 failed) |") != std::string::npos, md);
  BOOST_TEST(md.find("| Average | 0.2375 [0.2300 / 0.2400 / 0.2600] |") != std::string::npos, md);
  // One seed only: the report says the spread is unknown.
  TempDir one_seed;
  ExperimentOptions options;
  options.sets = {"grid.seed=[2]"};
  const Plan narrowed = build_plan(parse_experiment(fixture.document.experiment_toml, "plan.toml", options, catalog()),
                                   catalog());
  for (const auto& job : narrowed.jobs) write_job(one_seed.path, narrowed, job);
  request.dir = one_seed.path.string();
  const std::string single = make_report(request, scan_store(one_seed.path), &narrowed, fixture.document.settings, "t");
  BOOST_TEST(single.find("one value of the spread coordinate 'seed' (2)") != std::string::npos, single);
  BOOST_TEST(md.find("one value of the spread coordinate") == std::string::npos);
  const std::string message = testing::input_error_of(
      [] { split_plan_document("[jobs.a]\nkind = \"sample\"\n[report]\nspread = 3\n", "p.toml"); });
  BOOST_TEST(message.find("'report.spread' expects a string") != std::string::npos, message);
}

// report.per_class: a table per prompt of style_accuracy.<class>, rows = the classes, columns =
// the main table's (train_images, method) cells, each pooling three seeds; Average = the mean
// over the classes. Without per-class metrics the report says so.
BOOST_AUTO_TEST_CASE(per_class_tables_pool_every_other_coordinate) {
  TempDir store;
  Fixture fixture;
  fixture.document.settings.report.per_class = "style_accuracy";
  for (const auto& job : fixture.plan.jobs) write_job(store.path, fixture.plan, job);
  ReportRequest request;
  request.dir = store.path.string();
  const std::string md = make_report(request, scan_store(store.path), &fixture.plan, fixture.document.settings, "t");
  BOOST_TEST(md.find("## style\\_accuracy per class — prompt = B: \\* in the fire") != std::string::npos, md);
  BOOST_TEST(md.find("| class | 5, Textual Inversion | 5, lora | 50, Textual Inversion | 50, lora |") !=
                 std::string::npos, md);
  BOOST_TEST(md.find("| hanok | 0.5000 ± 0.1000 (n=3) | 0.5000 ± 0.1000 (n=3) | 0.5000 ± 0.1000 (n=3) | "
                     "0.5000 ± 0.1000 (n=3) |") != std::string::npos, md);
  BOOST_TEST(md.find("| western | 0.7000 ± 0.0000 (n=3) | 0.9000 ± 0.0000 (n=3) | 0.7000 ± 0.0000 (n=3) | "
                     "0.9000 ± 0.0000 (n=3) |") != std::string::npos, md);
  BOOST_TEST(md.find("| Average | 0.6000 | 0.7000 | 0.6000 | 0.7000 |") != std::string::npos, md);
  fixture.document.settings.report.per_class = "kid";
  const std::string none = make_report(request, scan_store(store.path), &fixture.plan, fixture.document.settings, "t");
  BOOST_TEST(none.find("report.per\\_class: no 'sample' job has kid.\\<class\\> metrics yet") != std::string::npos, none);
  const std::string message = testing::input_error_of(
      [] { split_plan_document("[jobs.a]\nkind = \"sample\"\n[report]\nper_class = 3\n", "p.toml"); });
  BOOST_TEST(message.find("'report.per_class' expects a string") != std::string::npos, message);
}

// [[report.checks]]: with spread = "seed", one column per seed. clip_score at 5 images in the
// fire is 0.24 / 0.25 / 0.26 (TI) and 0.26 / 0.27 / 0.28 (LoRA) over seeds 1, 2, 3, so a bound
// ≥ 0.25 fails seed 1 only; style_accuracy is 0.5 everywhere, within ≤ 0.5.
BOOST_AUTO_TEST_CASE(checks_give_a_pass_fail_table_per_spread_value) {
  TempDir store;
  const std::string checks = R"(
spread = "seed"
[[report.checks]]
name = "clip at 5 images"
metric = "clip_score"
where = { prompt = "{} in the fire", train_images = [5] }
min = 0.25
[[report.checks]]
name = "style"
stage = "sample"
metric = "style_accuracy"
max = 0.5
)";
  std::string text = kExperiment;
  text.insert(text.find("[report.labels]"), checks);
  const PlanDocument document = split_plan_document(text, "plan.toml");
  const Plan plan = build_plan(parse_experiment(document.experiment_toml, "plan.toml", {}, catalog()), catalog());
  for (const auto& job : plan.jobs) write_job(store.path, plan, job);
  ReportRequest request;
  request.dir = store.path.string();
  const std::string md = make_report(request, scan_store(store.path), &plan, document.settings, "t");
  BOOST_TEST(md.find("## Checks — passes every check for 2 of 3 seed values (2, 3)") != std::string::npos, md);
  BOOST_TEST(md.find("| check | bound | seed = 1 | seed = 2 | seed = 3 |") != std::string::npos, md);
  BOOST_TEST(md.find("| clip at 5 images | ≥ 0.25 | 0.240 / 0.260 ✗ | 0.250 / 0.270 ✓ | 0.260 / 0.280 ✓ |") !=
                 std::string::npos,
             md);
  BOOST_TEST(md.find("| every check |  | ✗ | ✓ | ✓ |") != std::string::npos, md);
  BOOST_TEST(md.find("- clip at 5 images: clip\\_score; sample jobs; prompt = {} in the fire; train\\_images = 5") !=
                 std::string::npos,
             md);

  // CSV: the worst value per column, the bound and worst − bound.
  request.format = "csv";
  const auto rows = parse_csv(make_report(request, scan_store(store.path), &plan, document.settings, "t"));
  bool seen = false;
  for (const auto& row : rows)
    if (row[0] == "check:clip at 5 images" && row[2] == "1") {
      seen = true;
      BOOST_TEST(row[1] == "checks");
      BOOST_TEST(row[3] == "min");
      BOOST_TEST(std::stod(row[4]) == 0.24, boost::test_tools::tolerance(1e-9));
      BOOST_TEST(row[6] == "2");
      BOOST_TEST(std::stod(row[8]) == -0.01, boost::test_tools::tolerance(1e-9));
    }
  BOOST_TEST(seen);

  // Without spread, one column "all"; a check nothing matches fails it.
  ReportSettings pooled = document.settings;
  pooled.report.spread = "";
  pooled.report.checks[1].where["finetuned"] = {"dreambooth"};
  request.format = "md";
  const std::string all = make_report(request, scan_store(store.path), &plan, pooled, "t");
  BOOST_TEST(all.find("## Checks — fails at least one check") != std::string::npos, all);
  BOOST_TEST(all.find("| style | ≤ 0.5 | — ✗ |") != std::string::npos, all);

  auto error = [](const std::string& entry) {
    return testing::input_error_of(
        [&] { split_plan_document("[jobs.a]\nkind = \"sample\"\n[[report.checks]]\n" + entry, "p.toml"); });
  };
  std::string message = error("name = \"a\"\nmetric = \"m\"\nmin = 1\nmax = 2\n");
  BOOST_TEST(message.find("'report.checks[0]' needs exactly one bound") != std::string::npos, message);
  message = error("name = \"a\"\nmin = 1\n");
  BOOST_TEST(message.find("'report.checks[0]' needs a 'name' and a 'metric'") != std::string::npos, message);
  message = error("name = \"a\"\nmetric = \"m\"\nmin = 1\nwhre = { a = 1 }\n");
  BOOST_TEST(message.find("unknown key 'report.checks[0].whre' (did you mean 'where'?)") != std::string::npos, message);
  message = error("name = \"a\"\nmetric = \"m\"\nmin = \"high\"\n");
  BOOST_TEST(message.find("'report.checks[0].min' expects a number, found a string") != std::string::npos, message);
}

// The cluster benchmark's table (core/device_benchmark.h, results/device_report.h): 3 nodes of
// 2 GPUs; one GPU and one node slow. An outlier lies more than 10 % below the median of its
// peers — every GPU for the per-GPU table, every node for the per-node one.
BOOST_AUTO_TEST_CASE(device_tables_mark_what_lies_10_percent_below_its_peers) {
  DeviceBenchmark table;
  table.columns = {"matmul_bfloat16_tflops", "host_to_device_gbs"};
  table.info_columns = {"unet_peak_allocated_mb"};
  table.group["allreduce_group_busbw_gbs"] = 40.0;
  const std::vector<std::pair<std::string, double>> gpus = {{"a", 100}, {"a", 100}, {"b", 100},
                                                            {"b", 89},  {"c", 80},  {"c", 80}};
  for (std::size_t r = 0; r < gpus.size(); ++r)
    table.rows.push_back({static_cast<int>(r), gpus[r].first, "cuda:" + std::to_string(r % 2), "NVIDIA H200",
                          {{"matmul_bfloat16_tflops", gpus[r].second}, {"host_to_device_gbs", 50.0},
                           {"unet_peak_allocated_mb", r == 0 ? 1.0 : 9000.0}}});
  TempDir dir;
  write_device_benchmark(dir.path / "devices.json", table);
  const DeviceBenchmark back = read_device_benchmark(dir.path / "devices.json");
  BOOST_TEST(back.rows.size() == 6u);
  BOOST_TEST(back.group.at("allreduce_group_busbw_gbs") == 40.0);
  BOOST_TEST(back.info_columns == table.info_columns);

  const std::vector<DeviceReportTable> tables = device_report_tables({"job", back});
  BOOST_REQUIRE_EQUAL(tables.size(), 2u);
  // Per GPU: the median is 94.5, so 89 (−5.8 %) is not an outlier and 80 (−15 %) is; copies all equal; the
  // peak memory column is shown, never marked (lower is not worse there).
  const DeviceReportTable& per_gpu = tables[0];
  for (std::size_t r = 0; r < 6; ++r) {
    BOOST_TEST(per_gpu.outliers[r][3] == (r >= 4), "gpu " << r);
    BOOST_TEST(!per_gpu.outliers[r][4]);
    BOOST_TEST(!per_gpu.outliers[r][5]);
  }
  BOOST_TEST(per_gpu.cells[4][3] == "80 ▼");
  // Per node: means 100, 94.5, 80; median 94.5: only node c.
  const DeviceReportTable& per_node = tables[1];
  BOOST_REQUIRE_EQUAL(per_node.cells.size(), 3u);
  BOOST_TEST(per_node.cells[1][3] == "94.5");
  BOOST_TEST(per_node.cells[2][1] == "2 devices");
  BOOST_TEST(!per_node.outliers[1][3]);
  BOOST_TEST(per_node.outliers[2][3]);
  BOOST_TEST(device_group_lines({"job", back}).at(0).find("over all 6 devices: 40") != std::string::npos);

  // A damaged file names itself and the key.
  std::ofstream(dir.path / "bad.json") << R"({"format": "tunegrid-devices", "format_version": 1, "columns": 3})";
  const std::string message = testing::input_error_of([&] { read_device_benchmark(dir.path / "bad.json"); });
  BOOST_TEST(message.find("bad.json: key 'columns' has the wrong type") != std::string::npos, message);
}

BOOST_AUTO_TEST_SUITE_END()
