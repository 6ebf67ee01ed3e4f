/**
 * Node's errors → Python's exception classes (lib/exceptions.ts), so that a
 * ported `except ConnectionRefusedError:` has something to catch.
 *
 * Node reports a failed system call as an Error with a string `code`
 * (`'ECONNREFUSED'`), a negative libuv `errno`, and the call in `syscall`.
 * Python raises an OSError whose class follows from the errno (PEP 3151:
 * ECONNREFUSED → ConnectionRefusedError, ENOENT → FileNotFoundError…), with
 * the C errno number and the message asyncio itself would give. `cause`
 * keeps Node's error, with all its detail.
 *
 * Node-only (it reads the errno numbers from `node:os`): the classes stay in
 * lib/exceptions.ts, which runs in a browser.
 */
import * as net from 'node:net';
import * as os from 'node:os';
import * as util from 'node:util';
import {
  BlockingIOError,
  BrokenPipeError,
  ChildProcessError,
  ConnectionAbortedError,
  ConnectionRefusedError,
  ConnectionResetError,
  FileExistsError,
  FileNotFoundError,
  InterruptedError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
  ProcessLookupError,
  SSLCertVerificationError,
  SSLError,
  TimeoutError,
  type OSErrorOptions,
} from './exceptions';

/** PEP 3151's table, by errno name: which OSError subclass Python raises for it. */
const CLASS_BY_CODE: Readonly<Record<string, typeof OSError>> = {
  EAGAIN: BlockingIOError,
  EALREADY: BlockingIOError,
  EINPROGRESS: BlockingIOError,
  EWOULDBLOCK: BlockingIOError,
  EPIPE: BrokenPipeError,
  ESHUTDOWN: BrokenPipeError,
  ECHILD: ChildProcessError,
  ECONNABORTED: ConnectionAbortedError,
  ECONNREFUSED: ConnectionRefusedError,
  ECONNRESET: ConnectionResetError,
  EEXIST: FileExistsError,
  ENOENT: FileNotFoundError,
  EISDIR: IsADirectoryError,
  ENOTDIR: NotADirectoryError,
  EINTR: InterruptedError,
  EACCES: PermissionError,
  EPERM: PermissionError,
  ENOTCAPABLE: PermissionError,
  ESRCH: ProcessLookupError,
  ETIMEDOUT: TimeoutError,
};

/**
 * The C library's text where libuv words it differently (glibc's, which
 * Python shows on Linux); libuv's own text, capitalised, is right for the rest.
 */
const STRERROR: Readonly<Record<string, string>> = {
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EALREADY: 'Operation already in progress',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  EFAULT: 'Bad address',
  EHOSTUNREACH: 'No route to host',
  EIO: 'Input/output error',
  EISCONN: 'Transport endpoint is already connected',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  ENFILE: 'Too many open files in system',
  ENOMEM: 'Cannot allocate memory',
  ENOTCONN: 'Transport endpoint is not connected',
  ENOTSUP: 'Operation not supported',
  ERANGE: 'Numerical result out of range',
  ESPIPE: 'Illegal seek',
  ETXTBSY: 'Text file busy',
  EXDEV: 'Invalid cross-device link',
};

/** Name-resolution failures: Python's socket.gaierror (an OSError) with glibc's EAI numbers. */
const GAI_ERRORS: Readonly<Record<string, [number, string]>> = {
  ENOTFOUND: [-2, 'Name or service not known'],
  EAI_AGAIN: [-3, 'Temporary failure in name resolution'],
  EAI_FAIL: [-4, 'Non-recoverable failure in name resolution'],
};

/** OpenSSL's X509 verification codes, by the names Node gives them (x509_vfy.h). */
const X509_VERIFY_CODES: Readonly<Record<string, number>> = {
  UNABLE_TO_GET_ISSUER_CERT: 2,
  UNABLE_TO_GET_CRL: 3,
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 4,
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: 5,
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 6,
  CERT_SIGNATURE_FAILURE: 7,
  CRL_SIGNATURE_FAILURE: 8,
  CERT_NOT_YET_VALID: 9,
  CERT_HAS_EXPIRED: 10,
  CRL_NOT_YET_VALID: 11,
  CRL_HAS_EXPIRED: 12,
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 13,
  ERROR_IN_CERT_NOT_AFTER_FIELD: 14,
  ERROR_IN_CRL_LAST_UPDATE_FIELD: 15,
  ERROR_IN_CRL_NEXT_UPDATE_FIELD: 16,
  OUT_OF_MEM: 17,
  DEPTH_ZERO_SELF_SIGNED_CERT: 18,
  SELF_SIGNED_CERT_IN_CHAIN: 19,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 21,
  CERT_CHAIN_TOO_LONG: 22,
  CERT_REVOKED: 23,
  INVALID_CA: 24,
  PATH_LENGTH_EXCEEDED: 25,
  INVALID_PURPOSE: 26,
  CERT_UNTRUSTED: 27,
  CERT_REJECTED: 28,
  HOSTNAME_MISMATCH: 62,
};
// OpenSSL's codes for a certificate that does not name the host Node checked.
const X509_V_ERR_HOSTNAME_MISMATCH = 62;
const X509_V_ERR_IP_ADDRESS_MISMATCH = 64;
/** SSL_ERROR_SSL: the errno Python gives every SSLError from OpenSSL. */
const SSL_ERROR_SSL = 1;

/** The shape of Node's system errors (NodeJS.ErrnoException, plus what net adds). */
interface NodeError extends Error {
  code?: unknown;
  errno?: unknown;
  syscall?: string;
  path?: string;
  dest?: string;
  address?: string;
  port?: number;
  hostname?: string;
  host?: string;
  library?: string;
  reason?: string;
  errors?: unknown[];
}

let uvMessages: Map<string, string> | null = null;

/** libuv's text for an errno name ('connection refused'), from Node's own table. */
function uvMessage(code: string): string | undefined {
  if (uvMessages === null) {
    uvMessages = new Map();
    for (const [name, message] of util.getSystemErrorMap().values()) uvMessages.set(name, message);
  }
  return uvMessages.get(code);
}

/** Python's `strerror` for an errno name. */
function strerror(code: string): string {
  const text = STRERROR[code] ?? uvMessage(code) ?? code;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Python's repr() of a socket address: `('127.0.0.1', 8888)`, `('::1', 8888, 0, 0)` for IPv6. */
function pyAddress(host: string, port: number): string {
  return host.includes(':') ? `('${host}', ${port}, 0, 0)` : `('${host}', ${port})`;
}

/**
 * Python's exception for one of Node's errors: an OSError subclass for a
 * failed system call (by its errno, PEP 3151), SSLError or
 * SSLCertVerificationError for a failed TLS handshake — with asyncio's
 * message, the errno number, Node's `code`, and Node's error as `cause`.
 * Anything else (already one of tulip's, a programming error, a value that is
 * not an Error) comes back unchanged.
 *
 * The messages are asyncio's: a refused connect is
 * `[Errno 111] Connect call failed ('127.0.0.1', 1)`, a port in use
 * `[Errno 98] error while attempting to bind on address ('127.0.0.1', 8888): [errno 98] address already in use`,
 * a missing program `[Errno 2] No such file or directory: 'prog'`; others
 * Python's `[Errno N] strerror`. `{ plainBind: true }` keeps a failed bind
 * to Python's `[Errno 98] Address already in use`, as `sock.bind()` raises
 * it where no server adds its words (a UDP endpoint).
 * @example
 * sock.on('error', (err) => fut.setException(fromNodeError(err))); // ECONNRESET → ConnectionResetError
 */
export function fromNodeError<T>(err: T, detail: { filename?: string; plainBind?: boolean } = {}): T | OSError {
  if (!(err instanceof Error) || err instanceof OSError) return err;
  const e = err as NodeError;
  const code = e.code;
  if (typeof code !== 'string') return err;
  if (Array.isArray(e.errors) && e.errors.length > 0) return fromAttempts(e);
  if (code in X509_VERIFY_CODES || code === 'ERR_TLS_CERT_ALTNAME_INVALID') return certificateError(e, code);
  if (code.startsWith('ERR_SSL_') || e.library !== undefined) return sslError(e, code);
  const gai = GAI_ERRORS[code];
  if (gai !== undefined) return new OSError(gai[0], gai[1], { code, cause: err });
  const errno = (os.constants.errno as Record<string, number | undefined>)[code];
  if (errno === undefined) return err; // one of Node's own (ERR_…): not the operating system's
  const Class = CLASS_BY_CODE[code] ?? OSError;
  const options: OSErrorOptions = { errno, code, strerror: strerror(code), cause: err };
  // An IP socket's address (a Unix socket's is its path, with no port).
  const where = e.address !== undefined && net.isIP(e.address) !== 0 && e.port !== undefined ? pyAddress(e.address, e.port) : null;
  if (e.syscall === 'connect' && where !== null) {
    // selector_events: the connect completed with an error.
    options.strerror = `Connect call failed ${where}`;
  } else if (e.syscall === 'listen' || (e.syscall === 'bind' && detail.plainBind !== true)) {
    // base_events.create_server; unix_events.create_unix_server for a path.
    if (where !== null) options.strerror = `error while attempting to bind on address ${where}: [errno ${errno}] ${options.strerror!.toLowerCase()}`;
    else if (e.address !== undefined && code === 'EADDRINUSE') options.strerror = `Address '${e.address}' is already in use`;
  } else if (e.syscall !== 'bind') {
    options.filename = detail.filename ?? e.path ?? null;
    options.filename2 = e.dest ?? null;
  }
  return new Class(errno, options.strerror!, options);
}

/**
 * Node tried several addresses (happy eyeballs) and every one failed.
 * base_events.create_connection: one error, or several with the same text,
 * raise the first; different ones raise a plain OSError that lists them.
 */
function fromAttempts(e: NodeError): OSError {
  const each = (e.errors as unknown[]).map((x) => fromNodeError(x));
  const first = each[0];
  if (first instanceof OSError && each.every((x) => String((x as Error).message) === first.message)) return first;
  const list = each.map((x) => (x instanceof Error ? x.message : String(x))).join(', ');
  return new OSError(`Multiple exceptions: ${list}`, { code: e.code as string, cause: e });
}

/** The peer's certificate was refused: Python's SSLCertVerificationError, with OpenSSL's code and text. */
function certificateError(e: NodeError, code: string): SSLCertVerificationError {
  let verifyCode = X509_VERIFY_CODES[code];
  let verifyMessage = e.message;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    // Node checks the name itself; Python lets OpenSSL do it, with OpenSSL's words.
    const host = e.host ?? '';
    const isIP = /^[\d.]+$|:/.test(host);
    verifyCode = isIP ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH;
    verifyMessage = `${isIP ? 'IP address' : 'Hostname'} mismatch, certificate is not valid for '${host}'.`;
  }
  return new SSLCertVerificationError(`[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ${verifyMessage}`, {
    errno: SSL_ERROR_SSL,
    code,
    library: 'SSL',
    reason: 'CERTIFICATE_VERIFY_FAILED',
    verifyCode,
    verifyMessage,
    cause: e,
  });
}

/** OpenSSL failed (a peer that does not speak TLS, no shared cipher…): Python's SSLError. */
function sslError(e: NodeError, code: string): SSLError {
  const reason = code.startsWith('ERR_SSL_') ? code.slice('ERR_SSL_'.length) : (e.reason ?? code).toUpperCase().replace(/ /g, '_');
  const text = e.reason ?? e.message;
  return new SSLError(`[SSL: ${reason}] ${text}`, { errno: SSL_ERROR_SSL, code, strerror: `[SSL: ${reason}] ${text}`, library: 'SSL', reason, cause: e });
}
