#include "static_files.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using mmm::Request;
using mmm::core::StaticFiles;

namespace {

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mmm-static-XXXXXX";
    base = ::mkdtemp(pattern);
    fs::create_directories(base / "web/sub");
    write(base / "web/index.html", "<h1>home</h1>");
    write(base / "web/app.js", "export {}");
    write(base / "web/style.css", "body{}");
    write(base / "web/logo.svg", "<svg/>");
    write(base / "web/sub/index.html", "<p>sub</p>");
    write(base / "secret.txt", "top secret");
    fs::create_directories(base / "web/.git");
    write(base / "web/.git/config", "[remote]");
    write(base / "web/.env", "KEY=secret");
    write(base / "web/sub/.hidden.js", "hidden");
    fs::create_symlink(base / "secret.txt", base / "web/link.txt");
    files = std::make_unique<StaticFiles>((base / "web").string(), 60);
  }
  void TearDown() override { fs::remove_all(base); }

  static void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }
  std::optional<mmm::Response> get(const std::string& path, mmm::Headers headers = {}) {
    Request request;
    request.method = "GET";
    request.path = request.rawPath = path;
    request.headers = std::move(headers);
    return files->serve(request);
  }

  fs::path base;
  std::unique_ptr<StaticFiles> files;
};

}  // namespace

TEST_F(StaticFilesTest, ServesFilesWithTheirContentType) {
  auto js = get("/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->body, "export {}");
  EXPECT_EQ(*js->header("Content-Type"), "text/javascript; charset=utf-8");
  // Scripts and styles are revalidated, as HTML is (their names carry no version); other
  // files are cached for max_age_s.
  EXPECT_EQ(*js->header("Cache-Control"), "no-cache");
  EXPECT_EQ(*get("/style.css")->header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(*get("/style.css")->header("Cache-Control"), "no-cache");
  EXPECT_EQ(*get("/logo.svg")->header("Cache-Control"), "public, max-age=60");
}

TEST_F(StaticFilesTest, DirectoriesServeIndexHtml) {
  auto home = get("/");
  ASSERT_TRUE(home);
  EXPECT_EQ(home->body, "<h1>home</h1>");
  EXPECT_EQ(*home->header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(*home->header("Cache-Control"), "no-cache");
  EXPECT_EQ(get("/sub/")->body, "<p>sub</p>");
  auto redirect = get("/sub");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 301);
  EXPECT_EQ(*redirect->header("Location"), "/sub/");
}

TEST_F(StaticFilesTest, ADirectoryRedirectNeverNamesAnotherHost) {
  // "//sub/" in a Location is protocol-relative: the browser would go to the host "sub".
  for (const char* path : {"//sub", "///sub", "//sub//"}) {
    auto redirect = get(path);
    if (!redirect || redirect->status != 301) continue;  // refusing is fine too
    const std::string location(*redirect->header("Location"));
    EXPECT_NE(location.rfind("//", 0), 0u) << path << " -> " << location;
  }
  EXPECT_EQ(*get("//sub")->header("Location"), "/sub/");
}

TEST_F(StaticFilesTest, RevalidationWithETagGives304) {
  auto first = get("/app.js");
  auto etag = std::string(*first->header("ETag"));
  auto second = get("/app.js", {{"If-None-Match", etag}});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 304);
  EXPECT_TRUE(second->body.empty());
  EXPECT_TRUE(first->header("Last-Modified"));
}

TEST_F(StaticFilesTest, NothingOutsideTheRootIsReachable) {
  for (const char* path : {"/../secret.txt", "/sub/../../secret.txt", "/./app.js", "/..",
                           "/link.txt", "//../secret.txt", "/sub/..\\..\\secret.txt", "/missing"}) {
    EXPECT_FALSE(get(path)) << path;
  }
  std::string withNul = "/app.js";
  withNul += '\0';
  EXPECT_FALSE(get(withNul));
  EXPECT_FALSE(get(base.string() + "/secret.txt"));  // an absolute path stays under the root
}

TEST_F(StaticFilesTest, NoSegmentStartingWithADotIsServed) {
  for (const char* path : {"/.git/config", "/.git/", "/.git", "/.env", "/sub/.hidden.js", "/.%2e/app.js"})
    EXPECT_FALSE(get(path)) << path;
  EXPECT_TRUE(get("/app.js"));
}

TEST_F(StaticFilesTest, ContainsTellsWhatIsUnderTheRoot) {
  EXPECT_TRUE(files->contains((base / "web").string()));
  EXPECT_TRUE(files->contains((base / "web/data").string()));  // need not exist
  EXPECT_TRUE(files->contains((base / "web/sub/../data/x").string()));
  EXPECT_FALSE(files->contains(base.string()));
  EXPECT_FALSE(files->contains((base / "website").string()));
  EXPECT_FALSE(files->contains((base / "web/../data").string()));
}

TEST(StaticFiles, MissingRootIsRefused) {
  EXPECT_THROW(StaticFiles("/nonexistent/mmm/web", 0), std::runtime_error);
}
