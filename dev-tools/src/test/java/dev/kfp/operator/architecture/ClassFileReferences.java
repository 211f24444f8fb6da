package dev.kfp.operator.architecture;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * What one compiled class refers to, read from its constant pool: the classes it names, and the fields and
 * methods it uses (a method reference in a lambda included). Internal names, with slashes: {@code a/b/C$D}.
 */
record ClassFileReferences(String name, String superName, boolean isAbstract, Set<String> classes,
    Set<Member> members) {

  /** A field or method of {@code owner} that the class uses; {@code descriptor} as the JVM writes it. */
  record Member(String owner, String name, String descriptor) {}

  private static final int ACC_ABSTRACT = 0x0400;

  static ClassFileReferences read(Path classFile) {
    try {
      return read(Files.readAllBytes(classFile));
    } catch (IOException e) {
      throw new UncheckedIOException(classFile.toString(), e);
    }
  }

  static ClassFileReferences read(byte[] bytes) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor version
    in.readUnsignedShort(); // major version
    int count = in.readUnsignedShort();
    int[] tags = new int[count];
    String[] utf8 = new String[count];
    int[] first = new int[count];
    int[] second = new int[count];
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      tags[i] = tag;
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF();
        case 7, 8, 16, 19, 20 -> first[i] = in.readUnsignedShort();
        case 9, 10, 11, 12, 17, 18 -> {
          first[i] = in.readUnsignedShort();
          second[i] = in.readUnsignedShort();
        }
        case 15 -> {
          in.readUnsignedByte();
          first[i] = in.readUnsignedShort();
        }
        case 3, 4 -> in.readInt();
        case 5, 6 -> {
          in.readLong();
          i++; // a long or a double takes two entries
        }
        default -> throw new IOException("unknown constant pool tag " + tag + " at " + i);
      }
    }
    int access = in.readUnsignedShort();
    String name = utf8[first[in.readUnsignedShort()]];
    int superIndex = in.readUnsignedShort();
    String superName = superIndex == 0 ? null : utf8[first[superIndex]];
    Set<String> classes = new HashSet<>();
    Set<Member> members = new HashSet<>();
    for (int i = 1; i < count; i++) {
      if (tags[i] == 7) {
        classes.add(utf8[first[i]]);
      } else if (tags[i] == 9 || tags[i] == 10 || tags[i] == 11) {
        int nameAndType = second[i];
        members.add(new Member(utf8[first[first[i]]], utf8[first[nameAndType]], utf8[second[nameAndType]]));
      }
    }
    return new ClassFileReferences(name, superName, (access & ACC_ABSTRACT) != 0, classes, members);
  }
}
