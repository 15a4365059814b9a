// PTX lexical grammar (ISA 1.x to 9.x, every producer). Syntax only.
//
// This grammar is the specification of PtxLint's tokens. At run time the parser is fed by
// the hand-written PtxLint.Syntax.PtxScanner (for speed); tests check that both produce the
// same token stream on the whole corpus. Keep the two in step.
lexer grammar PtxLexer;

// ---- trivia (hidden) ----
BOM             : '\uFEFF' -> channel(HIDDEN);
WS              : [ \t\f\u000B]+ -> channel(HIDDEN);
NEWLINE         : ('\r\n' | '\r' | '\n') -> channel(HIDDEN);
LINE_COMMENT    : '//' ~[\r\n]* -> channel(HIDDEN);
BLOCK_COMMENT   : '/*' .*? '*/' -> channel(HIDDEN);

// ---- literals ----
// 0fXXXXXXXX (f32 bits) and 0dXXXXXXXXXXXXXXXX (f64 bits)
FLOAT_HEX       : '0' [fF] HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT
                | '0' [dD] HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT
                        HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT HEXDIGIT
                ;
FLOAT           : DIGIT+ '.' DIGIT* EXPONENT?
                | DIGIT+ EXPONENT
                ;
INT             : '0' [xX] HEXDIGIT+ 'U'?
                | '0' [bB] [01]+ 'U'?
                | DIGIT+ 'U'?           // decimal, or octal when it starts with 0
                ;
STRING          : '"' (~["\\\r\n] | '\\' .)* '"';

// ---- directive keywords (must precede DOT_NAME: equal-length matches take the first rule) ----
VERSION             : '.version';
TARGET              : '.target';
ADDRESS_SIZE        : '.address_size';
FILE                : '.file';
SECTION             : '.section';
ALIAS               : '.alias';
PRAGMA              : '.pragma';
LOC                 : '.loc';
ENTRY               : '.entry';
FUNC                : '.func';
VISIBLE             : '.visible';
EXTERN              : '.extern';
WEAK                : '.weak';
COMMON              : '.common';
CALLPROTOTYPE       : '.callprototype';
CALLTARGETS         : '.calltargets';
BRANCHTARGETS       : '.branchtargets';
MAXNREG             : '.maxnreg';
MAXNTID             : '.maxntid';
REQNTID             : '.reqntid';
MINNCTAPERSM        : '.minnctapersm';
MAXNCTAPERSM        : '.maxnctapersm';
NORETURN            : '.noreturn';
EXPLICITCLUSTER     : '.explicitcluster';
REQNCTAPERCLUSTER   : '.reqnctapercluster';
MAXCLUSTERRANK      : '.maxclusterrank';
BLOCKSARECLUSTERS   : '.blocksareclusters';
ABI_PRESERVE        : '.abi_preserve';
ABI_PRESERVE_CONTROL: '.abi_preserve_control';

// ---- names ----
// A dotted name: directives (.reg, .entry), state spaces, types and instruction modifiers.
// Modifiers may carry '::' sub-qualifiers: .shared::cluster, .mbarrier::complete_tx::bytes.
// Modifiers may start with a digit: .3d, .32x32b (tcgen05 shapes).
DOT_NAME        : '.' IDSTART IDPART* ('::' IDPART+)*
                | '.' DIGIT IDPART* ('::' IDPART+)*   // .3d, .32x32b, .16x256b
                ;
// Identifiers: PTX allows [a-zA-Z][a-zA-Z0-9_$]* and [_$%][a-zA-Z0-9_$]+ ; '%' names are
// registers and special registers. TornadoVM emits registers without '%'.
IDENT           : IDSTART IDPART*
                | '%' IDPART+
                ;

// ---- punctuation ----
// Operators of constant expressions (PTX ISA "Constant Expressions"); none of them occurs elsewhere in PTX.
SHL             : '<<';
SHR             : '>>';
LE              : '<=';
GE              : '>=';
EQEQ            : '==';
NEQ             : '!=';
ANDAND          : '&&';
OROR            : '||';
// A '%' not followed by a name character is the remainder operator; '%r1' is an IDENT.
PERCENT         : '%';
LBRACE          : '{';
RBRACE          : '}';
LPAREN          : '(';
RPAREN          : ')';
LBRACK          : '[';
RBRACK          : ']';
LT              : '<';
GT              : '>';
COMMA           : ',';
SEMI            : ';';
COLONCOLON      : '::';
COLON           : ':';
AT              : '@';
BANG            : '!';
PIPE            : '|';
PLUS            : '+';
MINUS           : '-';
STAR            : '*';
SLASH           : '/';
TILDE           : '~';
AMP             : '&';
CARET           : '^';
EQUALS          : '=';
QUESTION        : '?';
DOT             : '.';

// Anything else is a lexical error token; the parser reports it as PTX000.
ERROR_CHAR      : . ;

fragment DIGIT    : [0-9];
fragment HEXDIGIT : [0-9a-fA-F];
fragment EXPONENT : [eE] [+-]? DIGIT+;
fragment IDSTART  : [a-zA-Z_$];
fragment IDPART   : [a-zA-Z0-9_$];
