package org.customerdynamics.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratorTest {
  @TempDir Path dir;

  private Path generate(String name, long seed) {
    return generate(name, seed, 0.01);
  }

  private Path generate(String name, long seed, double malformedRate) {
    Path out = dir.resolve(name);
    new Generator(
            new GeneratorOptions(
                seed, 400, 20, 1.0, LocalDate.of(2026, 1, 1), out, malformedRate, 0.01, 0.02))
        .run();
    return out;
  }

  private static Map<String, byte[]> files(Path root) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(root.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return out;
  }

  private static List<String> lines(Path file) throws IOException {
    try (InputStream in =
        file.toString().endsWith(".gz")
            ? new GZIPInputStream(Files.newInputStream(file))
            : Files.newInputStream(file)) {
      return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
    }
  }

  @Test
  void sameSeedGivesByteIdenticalFilesAndDifferentSeedsDiffer() throws IOException {
    Map<String, byte[]> a = files(generate("a", 7));
    Map<String, byte[]> b = files(generate("b", 7));
    Map<String, byte[]> c = files(generate("c", 8));
    assertThat(a.keySet()).isEqualTo(b.keySet());
    for (String k : a.keySet()) {
      assertThat(b.get(k)).as(k).isEqualTo(a.get(k));
    }
    assertThat(c.get("truth/identifiers.csv")).isNotEqualTo(a.get("truth/identifiers.csv"));
    assertThat(c.get("landing/web/2026-01-05/part-0000.jsonl.gz"))
        .isNotEqualTo(a.get("landing/web/2026-01-05/part-0000.jsonl.gz"));
  }

  @Test
  void everySourceLandsEveryDayInJsonLinesOrCsvSomeGzipped() throws IOException {
    Path out = generate("g", 3);
    Set<String> extensions = new HashSet<>();
    for (Generator.Source s : Generator.Source.values()) {
      for (int d = 0; d < 20; d++) {
        Path f = out.resolve("landing").resolve(s.name).resolve(LocalDate.of(2026, 1, 1).plusDays(d).toString()).resolve(s.fileName());
        assertThat(f).as(s.name + " day " + d).exists();
        extensions.add(f.getFileName().toString().replace("part-0000", ""));
      }
    }
    assertThat(extensions).contains(".jsonl", ".jsonl.gz", ".csv", ".csv.gz");
    assertThat(lines(out.resolve("landing/pos/2026-01-03/part-0000.csv.gz")).get(0))
        .isEqualTo(String.join(",", Generator.POS_COLUMNS));
  }

  @Test
  void everyChannelAndKeyEventTypeAppears() throws IOException {
    Path out = generate("g", 5);
    String all = readAll(out.resolve("landing"));
    for (String marker :
        List.of(
            "\"type\":\"pageview\"", "\"type\":\"order\"", "\"event\":\"purchase\"", ",KIOSK-", ",POS-",
            ",phone,", ",chat,", "\"event\":\"click\"", "\"event\":\"unsubscribe\"", "\"kind\":\"mention\"",
            "\"kind\":\"follow\"", "\"kind\":\"referral\"", "subscription_cancel", "consent_change",
            "\"deviceSerial\"", ",complaint,", "review")) {
      assertThat(all).as(marker).contains(marker);
    }
  }

  @Test
  void groundTruthPlantsCommunitiesInfluencersChurnersNicheAndTraps() throws IOException {
    Path out = generate("g", 11);
    List<String> persons = Files.readAllLines(out.resolve("truth/persons.csv"));
    assertThat(persons.get(0))
        .isEqualTo("person_id,is_customer,community_id,is_influencer,is_churner,is_niche,household_id");
    assertThat(persons).hasSize(401);
    long influencers = persons.stream().skip(1).filter(l -> l.split(",")[3].equals("true")).count();
    long churners = persons.stream().skip(1).filter(l -> l.split(",")[4].equals("true")).count();
    long niche = persons.stream().skip(1).filter(l -> l.split(",")[5].equals("true")).count();
    long prospects = persons.stream().skip(1).filter(l -> l.split(",")[1].equals("false")).count();
    Set<String> communities = new HashSet<>();
    persons.stream().skip(1).map(l -> l.split(",", -1)[2]).filter(c -> !c.isEmpty()).forEach(communities::add);
    assertThat(communities.size()).isBetween(2, 10);
    assertThat(influencers).isEqualTo(communities.size());
    assertThat(churners).isGreaterThan(10);
    assertThat(niche).isGreaterThan(3);
    assertThat(prospects).isGreaterThan(80);
    List<String> traps = Files.readAllLines(out.resolve("truth/traps.csv"));
    assertThat(traps).anyMatch(l -> l.startsWith("de,KIOSK-01,"));
    String landing = readAll(out.resolve("landing"));
    assertThat(landing).contains("KIOSK-01").contains("noreply@example.com");
  }

  @Test
  void everyTrueIdentifierAppearsInTheRawLogsWhenNoLineIsMalformed() throws IOException {
    Path out = generate("g", 13, 0.0);
    String landing = readAll(out.resolve("landing")).toLowerCase();
    List<String> ids = Files.readAllLines(out.resolve("truth/identifiers.csv"));
    int missing = 0;
    for (String line : ids.subList(1, ids.size())) {
      String[] f = line.split(",");
      String needle = f[0].equals("ph") ? f[1].replaceAll("[^0-9]", "").substring(7) : f[1].toLowerCase();
      if (!landing.contains(needle)) {
        missing++;
      }
    }
    assertThat(missing).isZero();
  }

  @Test
  void malformedLinesAreListedInTheTruthAtTheSetRate() throws IOException {
    Path out = generate("g", 17);
    List<String> bad = Files.readAllLines(out.resolve("truth/malformed.csv"));
    long total = 0;
    try (Stream<Path> s = Files.walk(out.resolve("landing"))) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        total += lines(p).size();
      }
    }
    double rate = (bad.size() - 1) / (double) total;
    assertThat(rate).isBetween(0.005, 0.02);
    Set<String> kinds = new HashSet<>();
    for (String l : bad.subList(1, bad.size())) {
      kinds.add(l.split(",")[3]);
    }
    assertThat(kinds)
        .contains("truncated", "missing_id", "bad_timestamp", "future_timestamp", "wrong_type", "oversized_text", "bad_encoding");
    // The bad_encoding lines really hold invalid UTF-8.
    String first = bad.stream().filter(l -> l.endsWith(",bad_encoding")).findFirst().orElseThrow();
    String[] f = first.split(",");
    Path file = out.resolve("landing").resolve(f[1]);
    byte[] bytes;
    try (InputStream in = f[1].endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(file)) : Files.newInputStream(file)) {
      bytes = in.readAllBytes();
    }
    List<byte[]> split = splitLines(bytes);
    byte[] line = split.get(Integer.parseInt(f[2]) - 1);
    boolean invalid = false;
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(line));
    } catch (CharacterCodingException e) {
      invalid = true;
    }
    assertThat(invalid).isTrue();
  }

  @Test
  void linkingDaysSpreadOverAllDaysLandAConstantDailyVolume() throws IOException {
    // By default persons link their identifiers on one of the first five days, which land about
    // twice the lines of the others; spread over all the days, no day stands out (the bench's day
    // N against day 1 assumes a constant daily volume).
    LocalDate first = LocalDate.of(2026, 1, 1);
    Path bursty = dir.resolve("bursty");
    Path spread = dir.resolve("spread");
    new Generator(new GeneratorOptions(5, 600, 20, 1.0, first, bursty, 0.0, 0.0, 0.0)).run();
    new Generator(new GeneratorOptions(5, 600, 20, 1.0, first, spread, 0.0, 0.0, 0.0, 20)).run();
    long[] b = linesPerDay(bursty.resolve("landing"), first, 20);
    long[] s = linesPerDay(spread.resolve("landing"), first, 20);
    System.out.println("lines per day, linking on days 1-5: " + Arrays.toString(b));
    System.out.println("lines per day, linking spread:      " + Arrays.toString(s));
    assertThat(mean(b, 0, 5)).isGreaterThan(1.5 * mean(b, 5, 20));
    assertThat(mean(s, 0, 5)).isLessThan(1.15 * mean(s, 5, 20));
    double all = mean(s, 0, 20);
    for (int d = 0; d < 20; d++) {
      assertThat((double) s[d]).as("day %d", d + 1).isBetween(0.75 * all, 1.25 * all);
    }
    // The same persons and (nearly) the same events, on other days.
    assertThat((double) Arrays.stream(s).sum()).isCloseTo(Arrays.stream(b).sum(), Percentage.withPercentage(5));
  }

  private static long[] linesPerDay(Path landing, LocalDate first, int days) throws IOException {
    long[] counts = new long[days];
    for (Generator.Source source : Generator.Source.values()) {
      for (int d = 0; d < days; d++) {
        Path f = landing.resolve(source.name).resolve(first.plusDays(d).toString()).resolve(source.fileName());
        counts[d] += lines(f).stream().filter(l -> !l.isBlank()).count() - (source.csv ? 1 : 0);
      }
    }
    return counts;
  }

  private static double mean(long[] values, int from, int to) {
    return Arrays.stream(values, from, to).average().orElseThrow();
  }

  private static List<byte[]> splitLines(byte[] bytes) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        byte[] l = new byte[i - start];
        System.arraycopy(bytes, start, l, 0, l.length);
        out.add(l);
        start = i + 1;
      }
    }
    return out;
  }

  private static String readAll(Path root) throws IOException {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        for (String l : lines(p)) {
          sb.append(l).append('\n');
        }
      }
    }
    return sb.toString();
  }
}
