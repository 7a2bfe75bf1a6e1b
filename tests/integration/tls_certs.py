"""x509 certificates for TLS tests, made with GnuTLS's certtool (gnutls-bin), in libvirt's
file layouts: a server directory (cacert.pem, servercert.pem, serverkey.pem: fake-libvirtd's
--tls-dir) and client directories (cacert.pem, clientcert.pem, clientkey.pem: pkipath=)."""
import os
import shutil
import subprocess

CERTTOOL = shutil.which("certtool")

CA_TEMPLATE = """cn = virt-wire test CA {tag}
ca
cert_signing_key
expiration_days = 30
"""

SERVER_TEMPLATE = """organization = virt-wire
cn = 127.0.0.1
ip_address = 127.0.0.1
dns_name = localhost
tls_www_server
encryption_key
signing_key
expiration_days = 30
"""

CLIENT_TEMPLATE = """country = GB
organization = virt-wire
cn = {cn}
tls_www_client
encryption_key
signing_key
expiration_days = 30
"""


def _certtool(*args):
    subprocess.run([CERTTOOL] + list(args), check=True, capture_output=True, timeout=60)


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def make_ca(dir_, tag="A"):
    """A CA in dir_: returns (cacert.pem, cakey.pem)."""
    os.makedirs(dir_, exist_ok=True)
    key = os.path.join(dir_, "cakey.pem")
    cert = os.path.join(dir_, "cacert.pem")
    _certtool("--generate-privkey", "--outfile", key)
    _certtool("--generate-self-signed", "--load-privkey", key,
              "--template", _write(os.path.join(dir_, "ca.info"), CA_TEMPLATE.format(tag=tag)),
              "--outfile", cert)
    return cert, key


def _issue(ca, key_out, cert_out, template_text, info_path):
    _certtool("--generate-privkey", "--outfile", key_out)
    _certtool("--generate-certificate", "--load-privkey", key_out,
              "--load-ca-certificate", ca[0], "--load-ca-privkey", ca[1],
              "--template", _write(info_path, template_text), "--outfile", cert_out)


def make_server_dir(dir_, ca):
    """fake-libvirtd's --tls-dir (libvirtd's names): cacert.pem, servercert.pem, serverkey.pem."""
    os.makedirs(dir_, exist_ok=True)
    shutil.copy(ca[0], os.path.join(dir_, "cacert.pem"))
    _issue(ca, os.path.join(dir_, "serverkey.pem"), os.path.join(dir_, "servercert.pem"),
           SERVER_TEMPLATE, os.path.join(dir_, "server.info"))
    return dir_


def make_client_dir(dir_, ca, trust=None, cn="testclient", with_cert=True):
    """A client pkipath= directory: cacert.pem (trust, default ca's), clientcert.pem and
    clientkey.pem issued by ca (left out when with_cert is False)."""
    os.makedirs(dir_, exist_ok=True)
    shutil.copy((trust or ca)[0], os.path.join(dir_, "cacert.pem"))
    if with_cert:
        _issue(ca, os.path.join(dir_, "clientkey.pem"), os.path.join(dir_, "clientcert.pem"),
               CLIENT_TEMPLATE.format(cn=cn), os.path.join(dir_, "client.info"))
    return dir_
