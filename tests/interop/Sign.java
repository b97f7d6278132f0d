// An independent gfdx signer in Java (JDK 17's own Ed25519, no library), as a bank's
// integration team would write it: its own M, none of gfdx's code.
//   java Sign.java generate KEYFILE                     new Ed25519 key (PKCS#8 PEM); prints the
//                                                       registry public_key (base64 DER SPKI)
//   java Sign.java sign KEYFILE KAFKA_KEY VALUEFILE     prints the base64 gfdx-sig over M
//   java Sign.java verify PUBLIC_KEY KAFKA_KEY VALUEFILE SIG   exit 0 ok, 1 bad signature
// M = "gfdx-sig-v1" || 0x00 || uint32_be(len(key)) || key || value (DESIGN §4).
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

public class Sign {
    static byte[] message(byte[] key, byte[] value) {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.writeBytes("gfdx-sig-v1".getBytes(StandardCharsets.US_ASCII));
        m.write(0);
        m.writeBytes(ByteBuffer.allocate(4).putInt(key.length).array()); // big-endian
        m.writeBytes(key);
        m.writeBytes(value);
        return m.toByteArray();
    }

    // The base64 body of the PEM "PRIVATE KEY" block (lines before it, e.g. gfdx-kid: ..., skipped).
    static PrivateKey loadPrivate(Path path) throws Exception {
        String pem = Files.readString(path, StandardCharsets.US_ASCII);
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----"), end = pem.indexOf("-----END PRIVATE KEY-----");
        String body = pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end).replaceAll("\\s", "");
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length > 0 ? args[0] : "";
        if (cmd.equals("generate") && args.length == 2) {
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(kp.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
            Path p = Files.createFile(Path.of(args[1]), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
            Files.writeString(p, pem);
            System.out.println(Base64.getEncoder().encodeToString(kp.getPublic().getEncoded()));
        } else if (cmd.equals("sign") && args.length == 4) {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(loadPrivate(Path.of(args[1])));
            s.update(message(args[2].getBytes(StandardCharsets.UTF_8), Files.readAllBytes(Path.of(args[3]))));
            System.out.println(Base64.getEncoder().encodeToString(s.sign()));
        } else if (cmd.equals("verify") && args.length == 5) {
            PublicKey pub = KeyFactory.getInstance("Ed25519")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(args[1])));
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(pub);
            s.update(message(args[2].getBytes(StandardCharsets.UTF_8), Files.readAllBytes(Path.of(args[3]))));
            boolean ok = s.verify(Base64.getDecoder().decode(args[4]));
            System.out.println(ok ? "ok" : "BAD_SIGNATURE");
            System.exit(ok ? 0 : 1);
        } else {
            System.err.println("usage: java Sign.java generate KEYFILE | sign KEYFILE KAFKA_KEY VALUEFILE"
                + " | verify PUBLIC_KEY KAFKA_KEY VALUEFILE SIG");
            System.exit(2);
        }
    }
}
