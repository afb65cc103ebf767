package sandboxexecutor.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files under one directory (by default {@code <DATA_DIR>/results}). A write goes to a temp file in
 * {@code .tmp/} on the same file system and is renamed into place, so a reader sees the old or the new
 * object, never half of one. The content type is not kept: readers know what each artifact is.
 */
public final class LocalObjectStore implements ObjectStore {
  private static final String TEMP = ".tmp";
  private final Path root;

  public LocalObjectStore(Path root) {
    try {
      this.root = Files.createDirectories(root.toAbsolutePath().normalize());
      Files.createDirectories(this.root.resolve(TEMP));
    } catch (IOException e) {
      throw new StoreException("cannot create the object store directory " + root, e);
    }
  }

  @Override
  public void put(String key, byte[] bytes, String contentType) {
    put(key, new java.io.ByteArrayInputStream(bytes), bytes.length, contentType);
  }

  @Override
  public void put(String key, InputStream body, long length, String contentType) {
    Path target = path(key);
    Path temp = root.resolve(TEMP).resolve(UUID.randomUUID() + ".part");
    try {
      long written;
      try (OutputStream out = Files.newOutputStream(temp)) {
        written = body.transferTo(out);
      }
      if (written != length) throw new IllegalArgumentException("object " + key + ": expected " + length + " bytes, got " + written);
      moveIntoPlace(temp, target);
    } catch (IOException e) {
      throw new StoreException("cannot write object " + key, e);
    } finally {
      deleteQuietly(temp);
    }
  }

  @Override
  public Optional<byte[]> get(String key) {
    try {
      return Optional.of(Files.readAllBytes(path(key)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StoreException("cannot read object " + key, e);
    }
  }

  @Override
  public void delete(String key) {
    Path file = path(key);
    try {
      Files.deleteIfExists(file);
      pruneEmptyParents(file);
    } catch (IOException e) {
      throw new StoreException("cannot delete object " + key, e);
    }
  }

  @Override
  public int deleteOlderThan(Instant cutoff, int max) {
    var old = new ArrayList<Path>();
    // temp files left by a crash count too: they are never renamed into place
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(Files::isRegularFile).filter(f -> modifiedBefore(f, cutoff)).limit(max).forEach(old::add);
    } catch (IOException | UncheckedIOException e) {
      throw new StoreException("cannot list the object store directory " + root, e);
    }
    int deleted = 0;
    for (Path file : old) {
      try {
        if (Files.deleteIfExists(file)) deleted++;
        pruneEmptyParents(file);
      } catch (IOException e) {
        throw new StoreException("cannot delete " + root.relativize(file), e);
      }
    }
    return deleted;
  }

  @Override
  public void close() {}

  private Path path(String key) {
    Path file = root.resolve(ObjectStore.checkKey(key)).normalize();
    if (!file.startsWith(root) || file.equals(root)) throw new IllegalArgumentException("invalid object key: " + key);
    return file;
  }

  /** A concurrent delete may prune the (then empty) parent directory between creating it and the rename. */
  private static void moveIntoPlace(Path temp, Path target) throws IOException {
    for (int attempt = 1; ; attempt++) {
      Files.createDirectories(target.getParent());
      try {
        try {
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return;
      } catch (NoSuchFileException e) {
        if (attempt == 3) throw e;
      }
    }
  }

  private static boolean modifiedBefore(Path file, Instant cutoff) {
    try {
      return Files.getLastModifiedTime(file).toInstant().isBefore(cutoff);
    } catch (IOException e) {
      return false; // deleted meanwhile
    }
  }

  private void pruneEmptyParents(Path file) throws IOException {
    for (Path dir = file.getParent(); dir != null && !dir.equals(root) && !dir.equals(root.resolve(TEMP));
         dir = dir.getParent()) {
      try {
        Files.deleteIfExists(dir);
      } catch (DirectoryNotEmptyException e) {
        return;
      }
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a leftover temp file is swept by deleteOlderThan
    }
  }
}
