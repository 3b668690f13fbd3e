#ifndef EXPLICABLE_CLIBXML2_SHIM_H
#define EXPLICABLE_CLIBXML2_SHIM_H

// Debian's libxml2 pulls in the system ICU headers, which clash with the copy Foundation
// carries ("'UErrorCode' has different definitions in different modules"). Nothing here
// needs ICU, so switch it off before any other libxml2 header is read.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
#include <libxml/HTMLparser.h>

/// Frees memory that libxml2 allocated (`xmlTextReaderGetAttribute` results and the like).
/// `xmlFree` is a global function pointer, which Swift 6 refuses to read as shared mutable state.
static inline void CLibXML2_free(void *p) { xmlFree(p); }

#endif
