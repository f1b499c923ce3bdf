/* SPDX-License-Identifier: ISC */
/*
 * The sendfile module: pysendfile's interface on libzcsend's
 * zc_sendfile(), so existing programs import it unchanged, and header and
 * trailer work on every platform.
 *
 *	sendfile(out, in, offset, nbytes, header="", trailer="", flags=0)
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <sys/types.h>

#include <errno.h>

#include "zc_sendfile.h"

static PyObject	*sendfile_sendfile(PyObject *, PyObject *, PyObject *);
PyMODINIT_FUNC	 PyInit_sendfile(void);

PyDoc_STRVAR(sendfile_doc,
"sendfile(out, in, offset, nbytes, header=\"\", trailer=\"\", flags=0)\n\n"
"Copy nbytes bytes from file descriptor in (a regular file) to\n"
"file descriptor out (a socket) starting at offset.\n"
"Return the number of bytes just being sent. When the end of\n"
"file is reached return 0.\n"
"If offset is given as None, the bytes are read from the current\n"
"position of in and the position of in is updated.\n"
"header and trailer are strings that are written before and\n"
"after the data from in is written; the return value counts them.\n"
"None is taken for an empty header or trailer.\n"
"flags (SF_NODISKIO, SF_MNOWAIT, SF_SYNC) is only supported on FreeBSD.\n");

PyDoc_STRVAR(module_doc,
"A Python interface to sendfile(2), on libzcsend: a drop-in for\n"
"pysendfile.\n");

/*
 * One zc_sendfile() call with the GIL released. An EINTR with nothing sent
 * is retried after the signal handlers ran (PEP 475), unless one raised.
 */
static PyObject *
sendfile_sendfile(PyObject *self, PyObject *args, PyObject *kwds)
{
	static char	*keywords[] = { "out", "in", "offset", "nbytes",
	    "header", "trailer", "flags", NULL };
	Py_buffer	 hdr = { 0 }, trl = { 0 };
	PyObject	*offobj, *rv = NULL;
	Py_ssize_t	 nbytes;
	ssize_t		 n;
	off_t		 off, *offp = NULL;
	long long	 ll;
	int		 out, in, flags = 0, err;

	(void)self;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "iiOn|z*z*i:sendfile",
	    keywords, &out, &in, &offobj, &nbytes, &hdr, &trl, &flags))
		return NULL;
	if (offobj != Py_None) {
		ll = PyLong_AsLongLong(offobj);
		if (ll == -1 && PyErr_Occurred())
			goto out;
		off = (off_t)ll;
		if ((long long)off != ll) {
			PyErr_SetString(PyExc_OverflowError,
			    "offset too large for off_t");
			goto out;
		}
		offp = &off;
	}
	for (;;) {
		Py_BEGIN_ALLOW_THREADS
		n = zc_sendfile(out, in, offp, (size_t)nbytes, hdr.buf,
		    (size_t)hdr.len, trl.buf, (size_t)trl.len, flags);
		err = errno;
		Py_END_ALLOW_THREADS
		if (n != -1 || err != EINTR)
			break;
		if (PyErr_CheckSignals() != 0)
			goto out;
	}
	if (n == -1) {
		errno = err;
		PyErr_SetFromErrno(PyExc_OSError);
		goto out;
	}
	rv = PyLong_FromSsize_t(n);
out:
	PyBuffer_Release(&hdr);
	PyBuffer_Release(&trl);
	return rv;
}

static PyMethodDef sendfile_methods[] = {
	{ "sendfile", (PyCFunction)(void (*)(void))sendfile_sendfile,
	    METH_VARARGS | METH_KEYWORDS, sendfile_doc },
	{ NULL, NULL, 0, NULL }
};

static struct PyModuleDef sendfile_module = {
	PyModuleDef_HEAD_INIT,
	"sendfile",
	module_doc,
	-1,
	sendfile_methods,
	NULL,
	NULL,
	NULL,
	NULL
};

/* The SF_* constants exist where the platform takes them, as pysendfile's. */
PyMODINIT_FUNC
PyInit_sendfile(void)
{
	static const struct {
		const char	*name;
		int		 bit;
	} consts[] = {
		{ "SF_NODISKIO", ZC_SF_NODISKIO },
		{ "SF_MNOWAIT", ZC_SF_MNOWAIT },
		{ "SF_SYNC", ZC_SF_SYNC },
	};
	PyObject	*m;
	size_t		 i;

	if ((m = PyModule_Create(&sendfile_module)) == NULL)
		return NULL;
	for (i = 0; i < sizeof(consts) / sizeof(consts[0]); i++) {
		if (zc_flags_supported(consts[i].bit) &&
		    PyModule_AddIntConstant(m, consts[i].name,
		    consts[i].bit) == -1)
			goto fail;
	}
	if (PyModule_AddStringConstant(m, "__version__", zc_version()) == -1)
		goto fail;
	return m;
fail:
	Py_DECREF(m);
	return NULL;
}
