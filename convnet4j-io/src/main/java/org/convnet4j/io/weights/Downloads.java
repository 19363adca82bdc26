package org.convnet4j.io.weights;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.convnet4j.internal.json.Json;
import org.convnet4j.util.AtomicFiles;
import org.convnet4j.util.Digests;
import org.convnet4j.util.MemoryBudget;

/**
 * Weight files fetched over HTTP(S) into a cache, the way torch.hub and Keras do it, with what air-gapped and
 * shared machines need:
 * <ul>
 *   <li>the cache is {@code CONVNET4J_CACHE} (default {@code ~/.cache/convnet4j}), catalogued files under
 *       {@code weights/NAME}, files fetched from other URLs under {@code weights/urls/KEY/NAME} (KEY from the
 *       URL's SHA-256, so equal file names from different places do not collide); a cached file is used without a
 *       network access;</li>
 *   <li>a download goes to {@code NAME.part}, resumes with an HTTP Range request after an interruption (in the
 *       same call, up to {@link Config#attempts} times, and in a later run), and enters the cache by an atomic
 *       rename only after its checksum matched: a failed or tampered download leaves nothing in the cache;</li>
 *   <li>two processes fetching the same file take turns on {@code NAME.lock} (an OS file lock; threads of one
 *       process on an in-process lock), the second finds the file cached;</li>
 *   <li>a catalogued file missing from the cache is first looked for where torchvision and Keras keep the same
 *       files ({@code $TORCH_HOME/hub/checkpoints}, {@code $KERAS_HOME/models}; {@link Config#otherCaches}), copied
 *       in only if its checksum matches: no download, also offline;</li>
 *   <li>{@code CONVNET4J_OFFLINE=1} fails naming the file and URL instead of connecting;
 *       {@code CONVNET4J_WEIGHTS_MIRROR=URL/} fetches the same file name from a mirror (the official checksums still
 *       apply);</li>
 *   <li>proxies: the JVM's ({@code -Dhttps.proxyHost=...}, {@code -Djava.net.useSystemProxies=true}), else the
 *       {@code https_proxy}/{@code http_proxy} variables ({@code no_proxy} honoured, loopback always direct), with a
 *       user name and password when given ({@link ProxyRoute});</li>
 *   <li>connect and read timeouts; an HTTP error is reported with its status and URL;</li>
 *   <li>each download from the network is logged at INFO on {@value #LOGGER} ({@link System.Logger}: the
 *       application's logging decides whether it is shown; the command line, which draws its own bar, hides it):
 *       {@code downloading NAME from URL into DIR}, with {@code , resuming after N bytes} for a resumed one.</li>
 * </ul>
 * Every setting also has a system property ({@code convnet4j.cache}, {@code convnet4j.offline},
 * {@code convnet4j.weights.mirror}, {@code convnet4j.weights.catalogue}), which wins over the variable.
 */
public final class Downloads {
    /** The name of the {@link System.Logger} that logs each download from the network at INFO. */
    public static final String LOGGER = "org.convnet4j.io.weights";
    private static final System.Logger LOG = System.getLogger(LOGGER);
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}");
    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    /** Settings; {@link #fromEnvironment()} reads them from properties and variables. */
    public record Config(Path cache, boolean offline, String mirror, Path catalogueOverride, Duration connectTimeout,
                         Duration readTimeout, int attempts, List<Path> otherCaches) {
        public Config {
            if (mirror != null && !mirror.isBlank() && !mirror.endsWith("/")) {
                mirror = mirror + "/";
            }
            if (mirror != null && mirror.isBlank()) {
                mirror = null;
            }
            otherCaches = otherCaches == null ? List.of() : List.copyOf(otherCaches);
        }

        /** Settings without other frameworks' caches to look in. */
        public Config(Path cache, boolean offline, String mirror, Path catalogueOverride, Duration connectTimeout,
                      Duration readTimeout, int attempts) {
            this(cache, offline, mirror, catalogueOverride, connectTimeout, readTimeout, attempts, List.of());
        }

        /**
         * Where torchvision and Keras cache the same published files, as they find them: {@code $TORCH_HOME/hub/
         * checkpoints} (TORCH_HOME defaults to {@code $XDG_CACHE_HOME/torch}, then {@code ~/.cache/torch}) and
         * {@code $KERAS_HOME/models} (default {@code ~/.keras}); properties {@code convnet4j.torch.home} and
         * {@code convnet4j.keras.home} win over the variables. A catalogued file found there (and matching its
         * checksum) is copied into our cache instead of downloaded.
         */
        public static List<Path> otherCachesFromEnvironment() {
            String home = System.getProperty("user.home");
            String torch = setting("convnet4j.torch.home", "TORCH_HOME");
            if (torch == null || torch.isBlank()) {
                String xdg = System.getenv("XDG_CACHE_HOME");
                torch = Path.of(xdg != null && !xdg.isBlank() ? xdg : Path.of(home, ".cache").toString(), "torch")
                        .toString();
            }
            String keras = setting("convnet4j.keras.home", "KERAS_HOME");
            if (keras == null || keras.isBlank()) {
                keras = Path.of(home, ".keras").toString();
            }
            return List.of(Path.of(torch, "hub", "checkpoints"), Path.of(keras, "models"));
        }

        /** The directory weight files are cached in. */
        public Path weightsDir() {
            return cache.resolve("weights");
        }

        public Config withTimeouts(Duration connect, Duration read) {
            return new Config(cache, offline, mirror, catalogueOverride, connect, read, attempts, otherCaches);
        }

        /**
         * Properties first, then environment variables, then defaults (30 s connect, 60 s read, 3 attempts);
         * {@code CONVNET4J_DOWNLOAD_TIMEOUT=SECONDS} (property {@code convnet4j.download.timeout}) sets both timeouts.
         */
        public static Config fromEnvironment() {
            Duration connect = Duration.ofSeconds(30);
            Duration read = Duration.ofSeconds(60);
            String timeout = setting("convnet4j.download.timeout", "CONVNET4J_DOWNLOAD_TIMEOUT");
            if (timeout != null && !timeout.isBlank()) {
                double seconds;
                try {
                    seconds = Double.parseDouble(timeout.trim());
                } catch (NumberFormatException e) {
                    seconds = Double.NaN;
                }
                if (!(seconds >= 0.1 && seconds <= 86_400)) {
                    throw new IllegalArgumentException("CONVNET4J_DOWNLOAD_TIMEOUT='" + timeout + "': give the seconds"
                            + " to wait for a server to connect or send data, 0.1 to 86400 (default: 30 to connect,"
                            + " 60 without data)");
                }
                connect = Duration.ofMillis(Math.round(seconds * 1000));
                read = connect;
            }
            String cache = setting("convnet4j.cache", "CONVNET4J_CACHE");
            Path dir = cache != null ? Path.of(cache)
                    : Path.of(System.getProperty("user.home"), ".cache", "convnet4j");
            String offline = setting("convnet4j.offline", "CONVNET4J_OFFLINE");
            String catalogue = setting("convnet4j.weights.catalogue", "CONVNET4J_WEIGHTS_CATALOGUE");
            return new Config(dir, offline != null && !offline.isBlank() && !offline.equals("0")
                    && !offline.equalsIgnoreCase("false"), setting("convnet4j.weights.mirror", "CONVNET4J_WEIGHTS_MIRROR"),
                    catalogue == null || catalogue.isBlank() ? null : Path.of(catalogue), connect, read, 3,
                    otherCachesFromEnvironment());
        }

        private static String setting(String property, String variable) {
            String p = System.getProperty(property);
            return p != null ? p : System.getenv(variable);
        }
    }

    /** Download progress, for a progress bar: called with bytes so far and the total (-1 if unknown). */
    public interface Progress {
        void update(String file, long done, long total);

        /** The download ended (successfully or not). */
        default void finished(String file) {
        }

        Progress NONE = (f, d, t) -> { };
    }

    /**
     * The most one download may bring into the cache, in bytes ({@code k/m/g/t} suffixes): a server that declares
     * more is refused before the first byte, and one that sends more (an endless stream without a Content-Length)
     * is cut there and what arrived deleted, so a URL cannot fill the disk. Default 16 GiB (the largest catalogued
     * file is under 1 GiB).
     */
    public static final String MAX_DOWNLOAD_PROPERTY = "convnet4j.maxDownloadBytes";
    static final long DEFAULT_MAX_DOWNLOAD = 16L << 30;

    private final Config config;
    private final long maxBytes;

    /** Downloads with {@code config}; the download limit from {@link #MAX_DOWNLOAD_PROPERTY} or its default. */
    public Downloads(Config config) {
        this(config, maxDownloadBytes());
    }

    Downloads(Config config, long maxBytes) {
        this.config = config;
        this.maxBytes = maxBytes;
    }

    /** {@link #MAX_DOWNLOAD_PROPERTY}'s value, or 16 GiB when it is not set. */
    static long maxDownloadBytes() {
        String text = System.getProperty(MAX_DOWNLOAD_PROPERTY);
        return text == null || text.isBlank() ? DEFAULT_MAX_DOWNLOAD
                : MemoryBudget.parseSize(text, "-D" + MAX_DOWNLOAD_PROPERTY);
    }

    public Config config() {
        return config;
    }

    /** Where the catalogued file {@code fileName} is cached (whether or not it is there): {@code weights/NAME}. */
    public Path cached(String fileName) {
        return config.weightsDir().resolve(requireSafeName(fileName));
    }

    /**
     * Where a file downloaded from {@code url} itself (not a catalogued file) is cached, whether or not it is there:
     * {@code weights/urls/KEY/NAME}, KEY the first 16 hex digits of the SHA-256 of the URL as given (UTF-8), NAME its
     * file name. Two URLs with the same file name on different hosts or paths are two cache entries.
     */
    public Path cachedUrl(String url) throws IOException {
        String name = fileNameOf(url);
        return config.weightsDir().resolve("urls").resolve(urlKey(url)).resolve(name);
    }

    /** The first 16 hex digits of the SHA-256 of {@code url} (UTF-8): its directory under {@code weights/urls/}. */
    public static String urlKey(String url) {
        return Digests.sha256Hex(url).substring(0, 16);
    }

    /**
     * The cached copy of the catalogued file {@code fileName} ({@link #cached}), downloaded from {@code url} (or
     * the mirror: the same file name there) if it is not cached yet; {@code expected} (may be null: nothing to
     * verify) is checked before the file enters the cache.
     */
    public Path fetch(String url, String fileName, Checksum expected, Progress progress) throws IOException {
        String from = config.mirror() != null ? config.mirror() + fileName : url;
        Path target = cached(fileName);
        List<String> rejected = new ArrayList<>();
        if (!Files.isRegularFile(target) && expected != null && fromOtherCache(target, url, expected, rejected)) {
            return target;
        }
        try {
            return fetchInto(target, url, from, expected, progress);
        } catch (IOException e) {
            if (rejected.isEmpty()) {
                throw e;
            }
            throw new IOException(e.getMessage() + " (not used: " + String.join(", ", rejected) + ")", e);
        }
    }

    /**
     * Copies the catalogued file {@code target}'s namesake from another framework's cache ({@link
     * Config#otherCaches}) into ours if its checksum matches (through {@code NAME.part}, as a download); a copy that
     * does not match is left where it is and named in {@code rejected}. True if the file is now cached.
     */
    private boolean fromOtherCache(Path target, String url, Checksum expected, List<String> rejected)
            throws IOException {
        String fileName = target.getFileName().toString();
        for (Path dir : config.otherCaches()) {
            Path other = dir.resolve(fileName);
            if (!Files.isRegularFile(other) || !Files.isReadable(other)) {
                continue;
            }
            Files.createDirectories(target.getParent());
            boolean copied = locked(target, () -> {
                if (Files.isRegularFile(target)) {
                    return true;
                }
                Path part = target.resolveSibling(fileName + ".part");
                try {
                    Files.copy(other, part, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    Files.deleteIfExists(part);
                    rejected.add(other + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                            + ")");
                    return false;
                }
                java.util.Set<String> algorithms = new java.util.LinkedHashSet<>(List.of("SHA-256",
                        expected.algorithm()));
                Map<String, String> digests = Digests.fileHex(part, algorithms);
                if (!expected.matches(digests.get(expected.algorithm()))) {
                    Files.deleteIfExists(part);
                    rejected.add(other + " (" + expected.algorithm() + " " + digests.get(expected.algorithm())
                            + ", expected " + expected + ")");
                    return false;
                }
                Path record = recordOf(target);
                AtomicFiles.writeString(record, record(url, other.toUri().toString(), Files.size(part),
                        digests.get("SHA-256"), expected));
                AtomicFiles.commit(part, target);
                return true;
            });
            if (copied) {
                return true;
            }
        }
        return false;
    }

    /**
     * Another framework's cache that {@link #fetch} consults for catalogued files ({@link Config#otherCaches}):
     * {@code framework} is "torchvision" for a {@code .../hub/checkpoints} directory, "Keras" for a {@code .../models}
     * one, else "another framework"; {@code setting} says how the directory is chosen.
     */
    public record OtherCache(String framework, String setting, Path dir) {
        /** "torchvision's", "Keras'": for a sentence. */
        public String possessive() {
            return framework + (framework.endsWith("s") ? "'" : "'s");
        }

        static OtherCache of(Path dir) {
            if (dir.endsWith(Path.of("hub", "checkpoints"))) {
                return new OtherCache("torchvision", "$TORCH_HOME/hub/checkpoints", dir);
            }
            if (dir.getFileName() != null && dir.getFileName().toString().equals("models")) {
                return new OtherCache("Keras", "$KERAS_HOME/models", dir);
            }
            return new OtherCache("another framework", "a directory of the configuration", dir);
        }
    }

    /** The other frameworks' caches consulted for catalogued files, in the order they are looked in. */
    public List<OtherCache> otherCaches() {
        return config.otherCaches().stream().map(OtherCache::of).toList();
    }

    /**
     * The copies of the catalogued file {@code fileName} in the other frameworks' caches ({@link #otherCaches}),
     * as {@link #fetch} would find them (regular, readable files of that name). Not verified here: the checksum
     * decides when the file is first needed, and a copy that does not match is not used.
     */
    public List<Map.Entry<OtherCache, Path>> inOtherCaches(String fileName) {
        String name = requireSafeName(fileName);
        List<Map.Entry<OtherCache, Path>> found = new ArrayList<>();
        for (OtherCache c : otherCaches()) {
            Path f = c.dir().resolve(name);
            if (Files.isRegularFile(f) && Files.isReadable(f)) {
                found.add(Map.entry(c, f));
            }
        }
        return found;
    }

    /**
     * The cached copy of what {@code url} serves ({@link #cachedUrl}: keyed by the URL, not only its file name),
     * downloaded if it is not cached yet; with {@code mirrored} and a mirror set, fetched as the mirror's file of the
     * same name (for URLs of the official download locations). {@code expected} (may be null) is checked before the
     * file enters the cache.
     */
    public Path fetchUrl(String url, Checksum expected, boolean mirrored, Progress progress) throws IOException {
        Path target = cachedUrl(url);
        String from = mirrored && config.mirror() != null ? config.mirror() + target.getFileName() : url;
        return fetchInto(target, url, from, expected, progress);
    }

    /** The record kept beside a downloaded file {@code NAME}: {@code NAME.source.json} ({@link CachedFile}). */
    public static Path recordOf(Path file) {
        return file.resolveSibling(file.getFileName() + RECORD);
    }

    private static final String RECORD = ".source.json";
    private static final long MAX_RECORD_BYTES = 64 << 10;

    /**
     * A file in the cache and what was recorded when it was downloaded ({@code NAME.source.json} beside it, written
     * atomically before the file itself enters the cache): the URL asked for, the URL it was fetched from (a mirror,
     * or that URL), its size, SHA-256 and the checksum it was verified against (null if none was known), and when.
     * Files that predate the record (or were copied in by hand) have {@code recorded} false, a null URL and the
     * SHA-256 computed when listed. {@code partial}: an interrupted download ({@code NAME.part}), resumed by the next
     * fetch of the same URL; {@code size} is what has arrived.
     */
    public record CachedFile(Path file, String url, String fetchedFrom, long size, String sha256, String verified,
                             Instant downloaded, boolean recorded, boolean partial) {
        /** Where the finished download is (or will be): {@link #file()}, without a partial one's {@code .part}. */
        public Path target() {
            return partial ? file.resolveSibling(file.getFileName().toString().replaceFirst("\\.part$", "")) : file;
        }

        /** The file's format as the loader sees it, from its name: what {@code --model} makes of it. */
        public String format() {
            String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (partial) {
                n = n.substring(0, n.length() - ".part".length());
            }
            if (n.endsWith(".pth") || n.endsWith(".pt") || n.endsWith(".pth.tar") || n.endsWith(".ckpt")) {
                return "PyTorch state dict";
            }
            if (n.endsWith(".onnx")) {
                return "ONNX";
            }
            if (n.endsWith(".h5") || n.endsWith(".hdf5")) {
                return "Keras HDF5";
            }
            if (n.endsWith(".safetensors")) {
                return "safetensors";
            }
            if (n.endsWith(".c4j")) {
                return "convnet4j";
            }
            return "unknown (read by content)";
        }
    }

    /**
     * Everything fetched from URLs other than the catalogue's ({@code weights/urls/KEY/NAME}), sorted by URL (files
     * without a record by path), with interrupted downloads as {@link CachedFile#partial} entries. Files without a
     * record are hashed here (they predate records; a large one takes a second or two).
     */
    public List<CachedFile> urlDownloads() throws IOException {
        Path root = config.weightsDir().resolve("urls");
        List<CachedFile> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path d : dirs) {
            List<Path> files;
            try (Stream<Path> s = Files.list(d)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (n.startsWith(".") || n.endsWith(".lock") || n.endsWith(RECORD)) {
                    continue;
                }
                if (n.endsWith(".part")) {
                    Path whole = f.resolveSibling(n.substring(0, n.length() - ".part".length()));
                    if (!Files.exists(whole)) {
                        out.add(describe(whole, f));
                    }
                    continue;
                }
                out.add(describe(f, null));
            }
        }
        out.sort(java.util.Comparator.comparing((CachedFile c) -> c.url() == null ? "\uffff" + c.file() : c.url()));
        return out;
    }

    /**
     * What is known about the cached file {@code target} ({@link #cached} or {@link #cachedUrl}), or null if it is not
     * in the cache (neither whole nor partial).
     */
    public CachedFile describe(Path target) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        if (Files.isRegularFile(target)) {
            return describe(target, null);
        }
        return Files.isRegularFile(part) ? describe(target, part) : null;
    }

    private CachedFile describe(Path target, Path part) throws IOException {
        JsonObject r = readRecord(recordOf(target));
        String url = r == null ? null : string(r, "url");
        String from = r == null ? null : string(r, "fetched_from");
        Instant when = null;
        if (r != null && string(r, "downloaded") != null) {
            try {
                when = Instant.parse(string(r, "downloaded"));
            } catch (java.time.format.DateTimeParseException ignored) {
                // a record edited by hand: the time is not essential
            }
        }
        if (part != null) {
            return new CachedFile(part, url, from, Files.size(part), null, null, null, r != null, true);
        }
        long size = Files.size(target);
        String sha = r == null ? null : string(r, "sha256");
        boolean recorded = sha != null && r.has("size") && r.get("size").getAsLong() == size;
        if (!recorded) {
            sha = Digests.sha256Hex(target); // no record (older download, copied in) or the file changed
        }
        return new CachedFile(target, url, from, size, sha, recorded ? string(r, "verified") : null, when, recorded,
                false);
    }

    private static JsonObject readRecord(Path record) {
        try {
            if (!Files.isRegularFile(record) || Files.size(record) > MAX_RECORD_BYTES) {
                return null;
            }
            return Json.parseObject(Files.readString(record), record.toString());
        } catch (IOException | RuntimeException e) {
            return null; // unreadable or edited by hand: listed as unrecorded, never a failure of the listing
        }
    }

    private static String string(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : null;
    }

    /**
     * Deletes the cached file {@code target} ({@link #cached} or {@link #cachedUrl}), its record and an interrupted
     * download of it, taking the same locks a download takes (a download in progress finishes first). Returns the
     * bytes freed, 0 if nothing was there. The empty lock file stays: another process may be waiting on it.
     */
    public long remove(Path target) throws IOException {
        List<Path> files = List.of(target, target.resolveSibling(target.getFileName() + ".part"), recordOf(target));
        if (files.stream().noneMatch(Files::exists)) {
            return 0; // nothing to remove: no lock file made for it either
        }
        return locked(target, () -> {
            long freed = 0;
            for (Path p : files) {
                if (Files.isRegularFile(p)) {
                    long n = Files.size(p);
                    if (Files.deleteIfExists(p)) {
                        freed += n;
                    }
                }
            }
            return freed;
        });
    }

    private interface Locked<T> {
        T run() throws IOException;
    }

    /** Runs {@code work} holding {@code target}'s in-process lock and its OS file lock ({@code NAME.lock}). */
    private static <T> T locked(Path target, Locked<T> work) throws IOException {
        Path lockFile = target.resolveSibling(target.getFileName() + ".lock");
        ReentrantLock local = IN_PROCESS.computeIfAbsent(lockFile.toAbsolutePath(), k -> new ReentrantLock());
        local.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            return work.run();
        } finally {
            local.unlock();
        }
    }

    private Path fetchInto(Path target, String url, String from, Checksum expected, Progress progress)
            throws IOException {
        if (Files.isRegularFile(target)) {
            return target;
        }
        String fileName = target.getFileName().toString();
        Path dir = target.getParent();
        if (config.offline()) {
            throw new IOException(fileName + " is not in the cache (" + target + ") and CONVNET4J_OFFLINE"
                    + " is set, so it is not downloaded from " + from + "; copy the file there, or unset"
                    + " CONVNET4J_OFFLINE");
        }
        Files.createDirectories(dir);
        return locked(target, () -> {
            if (Files.isRegularFile(target)) {
                return target; // another process or thread finished it while we waited
            }
            Path part = dir.resolve(fileName + ".part");
            Path record = recordOf(target);
            // the URL first, so that an interrupted download (the .part) says where it came from; only a courtesy
            // to the listing: on a full disk the download itself says what is wrong, with the sizes
            try {
                AtomicFiles.writeString(record, record(url, from, -1, null, null));
            } catch (IOException e) {
                // left as it was (an earlier run's record of the same URL, or none)
            }
            long have = Files.isRegularFile(part) ? Files.size(part) : 0;
            LOG.log(System.Logger.Level.INFO, () -> "downloading " + fileName + " from " + from + " into " + dir
                    + (have > 0 ? ", resuming after " + have + " bytes" : ""));
            try {
                download(from, part, fileName, progress);
            } catch (IOException | RuntimeException e) {
                if (!Files.isRegularFile(part) || Files.size(part) == 0) {
                    Files.deleteIfExists(part);
                    Files.deleteIfExists(record); // nothing arrived (refused, unreachable, untrusted): nothing kept
                }
                if (e instanceof IOException && !(e instanceof HttpStatusException)
                        && !(e instanceof CacheWriteException)) {
                    // no answer at all (no network, no DNS, a timeout): say where the file would go, for a machine
                    // that gets it some other way
                    throw new IOException(e.getMessage() + "; without network, copy " + fileName + " to " + target
                            + " (or set CONVNET4J_WEIGHTS_MIRROR)", e);
                }
                throw e;
            }
            java.util.Set<String> algorithms = new java.util.LinkedHashSet<>(List.of("SHA-256"));
            if (expected != null) {
                algorithms.add(expected.algorithm());
            }
            Map<String, String> digests = Digests.fileHex(part, algorithms);
            if (expected != null) {
                String actual = digests.get(expected.algorithm());
                if (!expected.matches(actual)) {
                    Files.deleteIfExists(part);
                    Files.deleteIfExists(record);
                    throw new IOException(fileName + " from " + from + " has " + expected.algorithm() + " " + actual
                            + ", expected " + expected + ": the download is damaged or not the published file; it was"
                            + " deleted, nothing was cached");
                }
            }
            // the record before the file: a cached file without a record is one from before records were kept
            AtomicFiles.writeString(record, record(url, from, Files.size(part), digests.get("SHA-256"), expected));
            AtomicFiles.commit(part, target); // forced, renamed, directory forced: a power cut leaves no torn file
            return target;
        });
    }

    private static String record(String url, String from, long size, String sha256, Checksum verified) {
        JsonObject o = new JsonObject();
        o.addProperty("url", url);
        o.addProperty("fetched_from", from);
        if (sha256 != null) {
            o.addProperty("size", size);
            o.addProperty("sha256", sha256);
            o.addProperty("verified", verified == null ? null : verified.toString());
            o.addProperty("downloaded", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        }
        return Json.toPretty(o) + "\n";
    }

    /** Downloads into {@code part}, resuming what is there; retries interrupted transfers. */
    private void download(String url, Path part, String fileName, Progress progress) throws IOException {
        IOException last = null;
        try {
            for (int attempt = 0; attempt < Math.max(1, config.attempts()); attempt++) {
                try {
                    transfer(url, part, fileName, progress);
                    return;
                } catch (HttpStatusException | CacheWriteException e) {
                    throw e; // 404 and friends, or a full disk, do not get better by retrying
                } catch (IOException e) {
                    last = e;
                }
            }
        } finally {
            progress.finished(fileName);
        }
        throw last;
    }

    private void transfer(String url, Path part, String fileName, Progress progress) throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpURLConnection c = open(url, have);
        try {
            int status = c.getResponseCode();
            boolean append = false;
            if (status == 206 && have > 0 && c.getHeaderField("Content-Range") != null
                    && c.getHeaderField("Content-Range").startsWith("bytes " + have + "-")) {
                append = true;
            } else if ((status == 416 || status == 206) && have > 0) {
                Files.delete(part); // what we have is not a prefix the server knows: start again next attempt
                throw new IOException(url + ": the server did not resume at byte " + have + " (HTTP " + status
                        + "); starting again");
            } else if (status != 200) {
                throw new HttpStatusException(url + ": HTTP " + status + (c.getResponseMessage() == null ? ""
                        : " " + c.getResponseMessage()));
            }
            long length = c.getContentLengthLong();
            long done = append ? have : 0;
            long total = length < 0 ? -1 : done + length;
            if (length > 0) {
                requireSpace(url, part, length); // first: raising the limit would not help
            }
            if (total > maxBytes) {
                throw new CacheWriteException(url + ": the server says the file has " + MemoryBudget.human(total)
                        + ", above the download limit of " + MemoryBudget.human(maxBytes) + "; nothing was"
                        + " downloaded" + raiseLimit());
            }
            progress.update(fileName, done, total);
            boolean over = false;
            try (InputStream in = c.getInputStream();
                 OutputStream out = openPart(url, part, append)) {
                byte[] buf = new byte[1 << 16];
                // at most one byte past the limit is read: enough to know the file is larger
                for (int n = in.read(buf, 0, want(buf, done)); n >= 0; n = in.read(buf, 0, want(buf, done))) {
                    if (done + n > maxBytes) {
                        over = true; // a byte past the limit: what is written stays within it
                        break;
                    }
                    try {
                        out.write(buf, 0, n);
                    } catch (IOException e) {
                        throw writeFailed(url, part, e);
                    }
                    done += n;
                    progress.update(fileName, done, total);
                }
            } catch (SocketTimeoutException e) {
                throw new IOException(url + ": no data for " + seconds(config.readTimeout()) + " (read timeout)"
                        + " after " + done + " bytes", e);
            }
            if (over) {
                Files.deleteIfExists(part); // not a file we would keep: nothing to resume
                throw new CacheWriteException(url + ": more than " + MemoryBudget.human(maxBytes) + " arrived"
                        + (total < 0 ? " (the server did not say the size)" : "") + ", above the download limit;"
                        + " what arrived was deleted" + raiseLimit());
            }
            if (total >= 0 && done != total) {
                throw new IOException(url + ": the connection closed after " + done + " of " + total + " bytes");
            }
        } finally {
            c.disconnect();
        }
    }

    /** How much to read next: a buffer, or what is left below the limit plus one byte (no overflow at any limit). */
    private int want(byte[] buf, long done) {
        long room = maxBytes - done; // done never passes maxBytes: the loop stops one byte after it
        return room >= buf.length ? buf.length : (int) Math.max(0, room) + 1;
    }

    private static String raiseLimit() {
        return "; if the file is genuine, raise the limit with -D" + MAX_DOWNLOAD_PROPERTY + "=SIZE (e.g. 64g;"
                + " the command line takes it in CONVNET4J_JAVA_OPTS)";
    }

    /**
     * A download of {@code bytes} more into {@code part} must fit its disk: refused before the first byte (not
     * retried, nothing written) rather than filling the disk and failing part way. When the free space cannot be
     * read, the writes will tell.
     */
    private static void requireSpace(String url, Path part, long bytes) throws IOException {
        long free;
        try {
            free = Files.getFileStore(part.getParent()).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return;
        }
        if (bytes > free) {
            throw new CacheWriteException(url + ": " + MemoryBudget.human(bytes) + " to download into " + part.getParent()
                    + ", whose disk has " + MemoryBudget.human(free) + " free; free some space, or put the cache on"
                    + " another disk with CONVNET4J_CACHE=DIR");
        }
    }

    private static OutputStream openPart(String url, Path part, boolean append) throws IOException {
        try {
            return Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw writeFailed(url, part, e);
        }
    }

    /** A write into the cache failed (disk full, file too large, read-only): named, with its cause; not retried. */
    private static CacheWriteException writeFailed(String url, Path part, IOException e) {
        long done;
        try {
            done = Files.isRegularFile(part) ? Files.size(part) : 0;
        } catch (IOException ignored) {
            done = 0;
        }
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            reason = fse.getReason();
        }
        boolean full = reason.contains("No space left") || reason.contains("Disk quota");
        return new CacheWriteException(url + ": could not write " + part + " (" + reason + ") with " + done + " bytes in it"
                + (done > 0 ? "; what arrived is kept there and the next run resumes it" : "")
                + (full ? "; free some space, or put the cache on another disk with CONVNET4J_CACHE=DIR" : ""), e);
    }

    /** Opens a GET (with a Range from {@code from} if positive), following up to 5 redirects, also http to https. */
    private HttpURLConnection open(String url, long from) throws IOException {
        String current = url;
        for (int hop = 0; hop < 6; hop++) {
            URL u;
            try {
                u = new URI(current).toURL();
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IOException("'" + current + "' is not a valid URL", e);
            }
            if (!u.getProtocol().equals("http") && !u.getProtocol().equals("https")) {
                throw new IOException(current + ": only http and https URLs are fetched");
            }
            ProxyRoute route = ProxyRoute.to(u);
            String via = route.via();
            HttpURLConnection c = route.open(u);
            c.setInstanceFollowRedirects(false);
            c.setConnectTimeout((int) config.connectTimeout().toMillis());
            c.setReadTimeout((int) config.readTimeout().toMillis());
            c.setRequestProperty("User-Agent", "convnet4j");
            if (from > 0) {
                c.setRequestProperty("Range", "bytes=" + from + "-");
            }
            int status;
            try {
                status = c.getResponseCode();
            } catch (SocketTimeoutException e) {
                throw new IOException(current + ": no answer within the timeout (connect " + seconds(config.connectTimeout())
                        + ", read " + seconds(config.readTimeout()) + ")" + via, e);
            } catch (java.net.UnknownHostException e) {
                throw new IOException(current + ": the host " + u.getHost() + " is not known (no DNS answer"
                        + (via.isEmpty() ? "; if this network needs a proxy, set https_proxy or -Dhttps.proxyHost)"
                        : ")" + via), e);
            } catch (ProxyRoute.ProxyRefusedException e) {
                throw new HttpStatusException(e.status() == 407 ? route.authenticationRefused(current, e.statusLine())
                        : current + ": " + e.getMessage() + via, e);
            } catch (javax.net.ssl.SSLException e) {
                // the certificate or the handshake: retrying gives the same answer
                throw new HttpStatusException(current + ": " + tlsProblem(e) + via, e);
            } catch (IOException e) {
                ProxyRoute.ProxyRefusedException refused = ProxyRoute.refusal(e);
                if (refused != null || String.valueOf(e.getMessage()).contains("Unable to tunnel through proxy")) {
                    // the tunnel was refused (by the JDK's own CONNECT when no credentials were given): not retried
                    boolean auth = refused != null ? refused.status() == 407 : e.getMessage().contains(" 407");
                    throw new HttpStatusException(auth ? route.authenticationRefused(current, "HTTP 407")
                            : current + ": " + e.getMessage() + via, e);
                }
                throw new IOException(current + ": " + e.getMessage() + via, e);
            }
            if (status == 407 && !route.direct()) {
                throw new HttpStatusException(route.authenticationRefused(current, "HTTP 407"
                        + (c.getResponseMessage() == null ? "" : " " + c.getResponseMessage())));
            }
            if (status >= 300 && status < 400 && c.getHeaderField("Location") != null) {
                try {
                    current = u.toURI().resolve(c.getHeaderField("Location")).toString();
                } catch (URISyntaxException | IllegalArgumentException e) {
                    throw new IOException(current + ": redirect to an invalid URL '" + c.getHeaderField("Location")
                            + "'", e);
                }
                c.disconnect();
                continue;
            }
            return c;
        }
        throw new IOException(url + ": more than 5 redirects");
    }

    /**
     * What went wrong in a TLS handshake, said for a user: an untrusted certificate (with the standard Java way to
     * trust a private certificate authority), one for another host, an expired one, or the handshake's own words.
     */
    static String tlsProblem(javax.net.ssl.SSLException e) {
        StringBuilder all = new StringBuilder();
        boolean untrusted = false;
        boolean expired = false;
        for (Throwable t = e; t != null && all.length() < 2000; t = t.getCause() == t ? null : t.getCause()) {
            all.append(' ').append(t.getMessage());
            untrusted |= t instanceof java.security.cert.CertPathValidatorException
                    || t.getClass().getName().endsWith("SunCertPathBuilderException");
            expired |= t instanceof java.security.cert.CertificateExpiredException;
        }
        String text = all.toString();
        if (expired) {
            return "the server's certificate has expired or is not yet valid; nothing was downloaded";
        }
        if (untrusted || text.contains("PKIX path") || text.contains("unable to find valid certification path")) {
            return "the server's certificate is not trusted by this Java runtime (no chain to a trusted certificate"
                    + " authority); nothing was downloaded. If your network or mirror uses its own authority, import"
                    + " its certificate into a trust store and run with -Djavax.net.ssl.trustStore=FILE"
                    + " -Djavax.net.ssl.trustStorePassword=PASSWORD (for the convnet4j launcher in"
                    + " CONVNET4J_JAVA_OPTS)";
        }
        if (text.contains("No subject alternative") || text.contains("No name matching")
                || text.contains("hostname")) {
            return "the server's certificate is for another host name (" + e.getMessage() + "); nothing was"
                    + " downloaded";
        }
        return "TLS handshake failed (" + e.getMessage() + "); nothing was downloaded";
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3g s", d.toMillis() / 1000.0);
    }

    /** The file name of a URL's path (its last segment), refused unless it is a plain name. */
    public static String fileNameOf(String url) throws IOException {
        String path;
        try {
            path = new URI(url).getPath();
        } catch (URISyntaxException e) {
            throw new IOException("'" + url + "' is not a valid URL", e);
        }
        String name = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
        if (!SAFE_NAME.matcher(name).matches()) {
            throw new IOException(url + ": the URL does not end in a plain file name (letters, digits, '.', '_', '-'),"
                    + " which the cache needs");
        }
        return name;
    }

    private static String requireSafeName(String name) {
        if (!SAFE_NAME.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException("'" + name + "' is not a plain file name");
        }
        return name;
    }

    /** Writing into the cache failed or cannot fit (disk full, file too large): not retried. */
    static final class CacheWriteException extends IOException {
        private static final long serialVersionUID = 1L;

        CacheWriteException(String message) {
            super(message);
        }

        CacheWriteException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** An answer, not a transient failure: an HTTP status, a refused certificate. Not retried. */
    static final class HttpStatusException extends IOException {
        private static final long serialVersionUID = 1L;

        HttpStatusException(String message) {
            super(message);
        }

        HttpStatusException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
