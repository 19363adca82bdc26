package org.convnet4j.io.keras;

import io.jhdf.HdfFile;
import io.jhdf.Superblock;
import io.jhdf.storage.HdfBackingStorage;
import io.jhdf.storage.HdfFileChannel;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.convnet4j.util.MemoryBudget;

/**
 * jHDF's file-channel storage for HDF5 files of 2 GB or more (too large for the one read-only memory map that
 * {@link KerasH5File} uses below that), with every read checked before jHDF allocates for it: jHDF's own channel
 * storage allocates a heap buffer of whatever length a structure declares and only then reads, so an object header
 * claiming 1 GB cost 1 GB however little the file holds. Here a read must lie inside the file and be within
 * {@link MemoryBudget} (the same bound as every other untrusted input); anything else fails with
 * {@link ReachesPastEnd} or {@link MemoryBudget.TooLargeException} before a byte is allocated.
 *
 * <p>jHDF 0.10 builds an {@link HdfFile} over a storage only through a private constructor, reached by reflection
 * (jHDF is an automatic module, so its packages are open), and its file is set the same way (the private field
 * {@code optionalFile}); {@code KerasH5FileLargeTest} fails if a jHDF upgrade changes either.
 */
final class BoundedHdfStorage implements HdfBackingStorage {
    /** A read that ends past the end of the file. */
    static final class ReachesPastEnd extends RuntimeException {
        ReachesPastEnd(String message) {
            super(message);
        }
    }

    private final HdfFileChannel delegate;
    private final Path file;
    private final long size;

    private BoundedHdfStorage(HdfFileChannel delegate, Path file, long size) {
        this.delegate = delegate;
        this.file = file;
        this.size = size;
    }

    /** {@code file} (no user block: Keras never writes one) as an {@link HdfFile} over this storage. */
    static HdfFile open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            Superblock sb = Superblock.readSuperblock(ch, 0);
            BoundedHdfStorage storage = new BoundedHdfStorage(new HdfFileChannel(ch, sb), file, ch.size());
            Constructor<HdfFile> c = HdfFile.class.getDeclaredConstructor(HdfBackingStorage.class);
            c.setAccessible(true);
            HdfFile hdf = c.newInstance(storage);
            // that constructor is for in-memory files: give it its path, which close() logs (else it throws there)
            java.lang.reflect.Field f = HdfFile.class.getDeclaredField("optionalFile");
            f.setAccessible(true);
            f.set(hdf, java.util.Optional.of(file));
            return hdf;
        } catch (InvocationTargetException e) {
            ch.close();
            if (e.getCause() instanceof RuntimeException r) {
                throw r; // a broken structure: KerasH5File.open reports it naming the file
            }
            throw new IOException(file + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | RuntimeException e) {
            ch.close();
            throw e instanceof RuntimeException r ? r
                    : new IllegalStateException("jHDF's HdfFile(HdfBackingStorage) is not there (jHDF upgraded?)", e);
        }
    }

    private void check(long address, long length) {
        long end = MemoryBudget.add(MemoryBudget.add(address, delegate.getUserBlockSize()), length);
        if (address < 0 || length < 0 || end < 0 || end > size) {
            throw new ReachesPastEnd("address " + address + " + " + length + " bytes, file size " + size);
        }
    }

    @Override
    public ByteBuffer readBufferFromAddress(long address, int length) {
        check(address, length);
        try {
            MemoryBudget.require(file + ": an HDF5 structure of " + length + " bytes at address " + address, length);
        } catch (MemoryBudget.TooLargeException e) {
            throw new UncheckedTooLarge(e);
        }
        return delegate.readBufferFromAddress(address, length);
    }

    @Override
    public ByteBuffer map(long address, long length) {
        check(address, length); // a mapping, not heap: only the file's bounds
        return delegate.map(address, length);
    }

    @Override
    public ByteBuffer mapNoOffset(long address, long length) {
        check(address - delegate.getUserBlockSize(), length);
        return delegate.mapNoOffset(address, length);
    }

    @Override
    public long getUserBlockSize() {
        return delegate.getUserBlockSize();
    }

    @Override
    public Superblock getSuperblock() {
        return delegate.getSuperblock();
    }

    @Override
    public FileChannel getFileChannel() {
        return delegate.getFileChannel();
    }

    @Override
    public int getSizeOfOffsets() {
        return delegate.getSizeOfOffsets();
    }

    @Override
    public int getSizeOfLengths() {
        return delegate.getSizeOfLengths();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public long size() {
        return delegate.size();
    }

    @Override
    public boolean inMemory() {
        return delegate.inMemory();
    }

    /** A budget refusal through jHDF's unchecked call chain; {@link KerasH5File} unwraps it. */
    static final class UncheckedTooLarge extends RuntimeException {
        UncheckedTooLarge(MemoryBudget.TooLargeException cause) {
            super(cause.getMessage(), cause);
        }

        MemoryBudget.TooLargeException tooLarge() {
            return (MemoryBudget.TooLargeException) getCause();
        }
    }
}
