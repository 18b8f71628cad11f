import Clibgit2Startup
import Foundation
import Testing

@testable import PolicyGit

/// libgit2's start-up without the system CA bundle (Clibgit2Startup): the bundle is skipped during init only,
/// and loading certificates afterwards still reaches mbedTLS. This test binary is linked with the same export
/// flag as the executables, so the interposition is active here as it is in `policyflow`.
@Suite("libgit2 start-up skips the CA bundle and nothing else")
struct StartupTests {
  /// A self-signed test certificate (EC P-256, "policyflow test CA"); public by design.
  static let certificate = """
    -----BEGIN CERTIFICATE-----
    MIIBkTCCATegAwIBAgIUSZhM12FMZB6HD6bw7As+9nVOCo4wCgYIKoZIzj0EAwIw
    HTEbMBkGA1UEAwwScG9saWN5ZmxvdyB0ZXN0IENBMCAXDTI2MTEyNzExMTU0MVoY
    DzIxMjYxMTAzMTExNTQxWjAdMRswGQYDVQQDDBJwb2xpY3lmbG93IHRlc3QgQ0Ew
    WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQYt931ktTuAUiuE/Ki2OOOJOU9TNP8
    jM08QSlHr48K4K4cX17t/RGqccRNveOatMVEGt1xbxoqd89Mur/UNquXo1MwUTAd
    BgNVHQ4EFgQU9npvBRq4mL6lXdr1GIJhiyKUIYIwHwYDVR0jBBgwFoAU9npvBRq4
    mL6lXdr1GIJhiyKUIYIwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF
    AiBkAg2Lx4290tTMd8w8r65pzOMnpi+fXzlFOK73063KjwIhAP+vehyQ6kCsLM3a
    4Z9q2RSTT9zHmpu0o6504mVV1gPr
    -----END CERTIFICATE-----

    """

  @Test("init skips the bundle libgit2 was built to load; later loads reach mbedTLS and can fail")
  func skipsOnlyAtInit() throws {
    let fixture = try Fixture()  // the first repository initialises libgit2
    _ = fixture.repo
    // Debian's libgit2 parses this file at init when it exists (GIT_DEFAULT_CERT_LOCATION).
    let bundleExists = FileManager.default.fileExists(atPath: "/etc/ssl/certs/ca-certificates.crt")
    #expect(pf_git_skipped_certificate_loads() == (bundleExists ? 1 : 0))

    let good = fixture.root.appendingPathComponent("ca.pem")
    try Data(Self.certificate.utf8).write(to: good)
    #expect(pf_git_load_certificates(good.path) == 0)

    // Garbage must be refused: had the interposer swallowed the call, this would "succeed" too.
    let bad = fixture.root.appendingPathComponent("not-a-certificate.pem")
    try Data("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n".utf8).write(to: bad)
    #expect(pf_git_load_certificates(bad.path) < 0)
    #expect(pf_git_skipped_certificate_loads() == (bundleExists ? 1 : 0))
  }
}
