"""interop_check: checks a pinca chain with Python's cryptography, a library
pinca does not use. Usage: interop_check.py KEYTYPE ROOT INT [LEAF HOST].
Verifies each signature with the issuer's key, the CA profile (RFC 5280
4.2.1.9/4.2.1.3), the SPKI encodings that pinning libraries rebuild (named
curve + uncompressed point, rsaEncryption with NULL parameters), and, when
the library is new enough (>= 42), full path validation of the leaf for HOST.
Prints one line per failed check and exits 1 if any failed."""
import sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

failures = []


def expect(cond, what):
    if not cond:
        failures.append(what)


def load(path):
    return x509.load_pem_x509_certificate(open(path, 'rb').read())


def verify_sig(cert, issuer, what):
    pub = issuer.public_key()
    try:
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                       cert.signature_hash_algorithm)
        else:
            pub.verify(cert.signature, cert.tbs_certificate_bytes,
                       ec.ECDSA(cert.signature_hash_algorithm))
    except Exception as e:  # noqa: BLE001 - any failure is a finding
        failures.append('%s: signature does not verify: %r' % (what, e))
    expect(cert.issuer == issuer.subject, '%s: issuer name differs from the issuer subject' % what)


def spki_form(cert, keytype, what):
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    pub = cert.public_key()
    if keytype.startswith('ec-'):
        curve = {'ec-p256': 'secp256r1', 'ec-p384': 'secp384r1'}[keytype]
        expect(isinstance(pub, ec.EllipticCurvePublicKey) and pub.curve.name == curve,
               '%s: expected %s' % (what, curve))
        # id-ecPublicKey with a namedCurve OID (06 08 / 06 05), then the point 04 || X || Y.
        point = pub.public_bytes(serialization.Encoding.X962,
                                 serialization.PublicFormat.UncompressedPoint)
        expect(spki.endswith(b'\x00' + point), '%s: EC point is not uncompressed' % what)
        expect(b'\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06' in spki,
               '%s: EC parameters are not a named curve OID' % what)
    else:
        bits = int(keytype.split('-')[1])
        expect(isinstance(pub, rsa.RSAPublicKey) and pub.key_size == bits,
               '%s: expected RSA-%d' % (what, bits))
        expect(pub.public_numbers().e == 65537, '%s: RSA exponent is not 65537' % what)
        # AlgorithmIdentifier rsaEncryption with explicit NULL parameters.
        expect(b'\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00' in spki[:24],
               '%s: rsaEncryption without NULL parameters' % what)


def ca_profile(cert, what, pathlen):
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    expect(bc.critical and bc.value.ca, '%s: basicConstraints not critical CA:TRUE' % what)
    expect(bc.value.path_length == pathlen, '%s: pathLen %r, wanted %r' % (what, bc.value.path_length, pathlen))
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    expect(ku.critical and ku.value.key_cert_sign and ku.value.crl_sign, '%s: keyUsage' % what)
    cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    expect(isinstance(cert.signature_hash_algorithm, (hashes.SHA256, hashes.SHA384, hashes.SHA512)),
           '%s: signature hash is not SHA-2' % what)
    expect(0 < cert.serial_number < 2 ** 159, '%s: serial out of range' % what)


def main():
    keytype, root, inter = sys.argv[1], load(sys.argv[2]), load(sys.argv[3])
    verify_sig(root, root, 'root (self-signed)')
    verify_sig(inter, root, 'intermediate')
    ca_profile(root, 'root', None)
    ca_profile(inter, 'intermediate', 0)
    aki = inter.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    expect(aki.key_identifier == ski.digest, 'intermediate AKI does not match the root SKI')
    spki_form(root, keytype, 'root')
    spki_form(inter, keytype, 'intermediate')
    if len(sys.argv) > 5:
        leaf, host = load(sys.argv[4]), sys.argv[5]
        verify_sig(leaf, inter, 'leaf')
        try:
            from cryptography.x509 import verification as v
            verifier = v.PolicyBuilder().store(v.Store([root])).build_server_verifier(v.DNSName(host))
            verifier.verify(leaf, [inter])
        except ImportError:
            pass  # cryptography < 42 has no path validation; signatures were checked above
        except Exception as e:  # noqa: BLE001
            failures.append('leaf: path validation for %s failed: %r' % (host, e))
    for f in failures:
        print(f)
    sys.exit(1 if failures else 0)


main()
