package org.customerdynamics.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/** Writes small landing-zone fixtures: one file per call, lines as given ({@code .gz} compressed). */
final class Landing {
  /** Invalid UTF-8 (an orphan continuation and a 0xFF byte) where a line holds this marker. */
  static final String BAD_BYTES = "<BAD-BYTES>";

  private final Path root;

  Landing(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  Landing file(String source, String date, String name, String... lines) {
    try {
      Path dir = root.resolve(source).resolve(date);
      Files.createDirectories(dir);
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      for (String line : lines) {
        int mark = line.indexOf(BAD_BYTES);
        if (mark >= 0) {
          buf.write(line.substring(0, mark).getBytes(StandardCharsets.UTF_8));
          buf.write(new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF});
          buf.write(line.substring(mark + BAD_BYTES.length()).getBytes(StandardCharsets.UTF_8));
        } else {
          buf.write(line.getBytes(StandardCharsets.UTF_8));
        }
        buf.write('\n');
      }
      try (OutputStream out =
          name.endsWith(".gz")
              ? new GZIPOutputStream(Files.newOutputStream(dir.resolve(name)))
              : Files.newOutputStream(dir.resolve(name))) {
        out.write(buf.toByteArray());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Copies a landed file to another day folder (a file landed twice). */
  Landing copy(String source, String fromDate, String toDate, String name) {
    try {
      Path dir = root.resolve(source).resolve(toDate);
      Files.createDirectories(dir);
      Files.copy(root.resolve(source).resolve(fromDate).resolve(name), dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** A conf folder: the project's env and source mappings plus extra mapping files. */
  static Path conf(Path target, Path projectConf, String... extraMappings) {
    try {
      for (String sub : List.of("env", "sources")) {
        Files.createDirectories(target.resolve(sub));
        try (Stream<Path> files = Files.list(projectConf.resolve(sub))) {
          for (Path f : files.toList()) {
            Files.copy(f, target.resolve(sub).resolve(f.getFileName()));
          }
        }
      }
      for (int i = 0; i + 1 < extraMappings.length; i += 2) {
        Files.writeString(target.resolve("sources").resolve(extraMappings[i] + ".yaml"), extraMappings[i + 1]);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target;
  }
}
