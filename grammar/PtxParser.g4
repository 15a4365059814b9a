// PTX syntax (ISA 1.x to 9.x as emitted by nvcc, clang/LLVM NVPTX, Triton, Numba, TornadoVM
// and hand-written builders). Syntax only: what an opcode means (operand roles, state spaces,
// types) lives in PtxLint.Semantics.InstructionTable, never here.
//
// Design notes:
//  * Directive keywords (.version, .entry, .loc, ...) are tokens of their own; every other
//    '.name' (state spaces, types, modifiers such as .shared::cluster) is a DOT_NAME, so
//    '.shared' serves both declarations and instruction modifiers, in any order.
//  * Every decision is LL(1) except label vs instruction (LL(2)), so SLL prediction suffices.
//  * The driver parses one top-level item at a time (`moduleItem`) and builds the IR from it
//    without retaining parse trees; large files are split at top-level boundaries and parsed
//    in parallel.
parser grammar PtxParser;

options { tokenVocab = PtxLexer; }

// ---------------------------------------------------------------- module
module
    : moduleItem* EOF
    ;

moduleItem
    : VERSION versionNumber                                  # versionDirective
    | TARGET IDENT (COMMA IDENT)*                            # targetDirective
    | ADDRESS_SIZE INT                                       # addressSizeDirective
    | fileDirective                                          # moduleFile
    | SECTION dotName sectionBody?                           # sectionDirective
    | ALIAS IDENT COMMA IDENT SEMI                           # aliasDirective
    | pragma                                                 # modulePragma
    | locDirective                                           # moduleLoc
    | linkage* functionDecl                                  # functionItem
    | linkage* variableDecl SEMI                             # variableItem
    | SEMI                                                   # emptyItem
    ;

versionNumber
    : FLOAT
    | INT
    ;

linkage
    : VISIBLE | EXTERN | WEAK | COMMON
    ;

fileDirective
    : FILE INT STRING (COMMA INT)*
    ;

pragma
    : PRAGMA STRING (COMMA STRING)* SEMI
    ;

// ---------------------------------------------------------------- functions
functionDecl
    : kind=(ENTRY | FUNC) returnParams? name=IDENT paramList? performanceDirective* (functionBody | SEMI)?
    ;

returnParams
    : LPAREN (paramDecl (COMMA paramDecl)*)? RPAREN
    ;

paramList
    : LPAREN (paramDecl (COMMA paramDecl)*)? RPAREN
    ;

// .param .u64 .ptr .global .align 16 name  |  .param .align 8 .b8 name[16]  |  .reg .b32 r
paramDecl
    : declSpec+ declarator
    ;

performanceDirective
    : perfKeyword (perfArg (COMMA perfArg)*)?
    | pragma
    ;

perfKeyword
    : MAXNREG | MAXNTID | REQNTID | MINNCTAPERSM | MAXNCTAPERSM | NORETURN | EXPLICITCLUSTER
    | REQNCTAPERCLUSTER | MAXCLUSTERRANK | BLOCKSARECLUSTERS | ABI_PRESERVE | ABI_PRESERVE_CONTROL
    ;

perfArg
    : INT
    | IDENT
    ;

functionBody
    : LBRACE statement* RBRACE
    ;

// ---------------------------------------------------------------- statements
statement
    : label                                                  # labelStatement
    | LBRACE statement* RBRACE                               # blockStatement
    | locDirective                                           # locStatement
    | pragma                                                 # pragmaStatement
    | fileDirective                                          # fileStatement
    | CALLPROTOTYPE protoParams? IDENT protoParams? (perfKeyword (perfArg (COMMA perfArg)*)?)* SEMI  # callPrototypeStatement
    | CALLTARGETS IDENT (COMMA IDENT)* SEMI                  # callTargetsStatement
    | BRANCHTARGETS IDENT (COMMA IDENT)* SEMI                # branchTargetsStatement
    | perfKeyword (perfArg (COMMA perfArg)*)? SEMI           # perfStatement
    | linkage* variableDecl SEMI                             # declarationStatement
    | instruction                                            # instructionStatement
    | SEMI                                                   # emptyStatement
    ;

label
    : IDENT COLON
    ;

protoParams
    : LPAREN (paramDecl (COMMA paramDecl)*)? RPAREN
    ;

// .loc file line column [, function_name label [+ off]] [, inlined_at file line column]
locDirective
    : LOC INT INT INT? (COMMA locAttribute)*
    ;

locAttribute
    : IDENT (INT INT INT? | IDENT (PLUS INT)?)
    ;

// [@[!]pred] opcode{.modifier}* operands ;
instruction
    : guard? opcode=IDENT dotName* (operand (COMMA operand)*)? SEMI
    ;

guard
    : AT BANG? IDENT
    ;

operand
    : LBRACK address RBRACK                          # addressOperand
    | LBRACE (operand (COMMA operand)*)? RBRACE      # vectorOperand
    | LPAREN (operand (COMMA operand)*)? RPAREN      # parenListOperand
    | IDENT PIPE IDENT                               # dualPredicateOperand
    | BANG IDENT                                     # negatedOperand
    | expression                                     # expressionOperand
    ;

// [reg], [reg+imm], [sym+imm], [imm], [%rd2, {%r3, %r4}] (texture/surface forms)
address
    : expression (COMMA operand)*
    ;

// ---------------------------------------------------------------- declarations
// .reg .b32 %r<6>;  .shared .align 16 .b8 smem[1024];  .global .v4 .f32 x = {...};
// .extern .shared .b8 dyn[];  .param .b64 param0;  .global .texref t;
// .global .attribute(.managed) .u32 x;
variableDecl
    : declSpec+ declarator (COMMA declarator)*
    ;

declSpec
    : DOT_NAME (INT | LPAREN dotName (COMMA dotName)* RPAREN)?
    ;

declarator
    : IDENT (LT INT GT)? arraySpec* (EQUALS initializer)?
    ;

arraySpec
    : LBRACK expression? RBRACK
    ;

initializer
    : LBRACE (initializer (COMMA initializer)*)? RBRACE
    | IDENT EQUALS IDENT                             // sampler fields: addr_mode_0 = clamp_to_border
    | expression
    ;

// ---------------------------------------------------------------- DWARF sections
sectionBody
    : LBRACE sectionItem* RBRACE
    ;

sectionItem
    : label
    | dotName (expression (COMMA expression)*)?
    ;

// ---------------------------------------------------------------- names and expressions
dotName
    : DOT_NAME
    | VERSION | TARGET | ADDRESS_SIZE | FILE | SECTION | ALIAS | PRAGMA | LOC | ENTRY | FUNC
    | VISIBLE | EXTERN | WEAK | COMMON | CALLPROTOTYPE | CALLTARGETS | BRANCHTARGETS
    | perfKeyword
    ;

// Constant expressions (PTX ISA "Constant Expressions"): immediates, symbol+offset, label differences,
// with C's operators and precedence (highest last): ?: || && | ^ & == != < > <= >= << >> + - * / %
// and the unary + - ! ~ and the casts (.s64) (.u64). Registers appear here as identifiers; %tid.x style
// names are IDENT followed by a DOT_NAME component. What an expression evaluates to is the IR builder's
// business, not the grammar's.
expression
    : conditionalExpr
    ;

conditionalExpr
    : logicalOrExpr (QUESTION expression COLON conditionalExpr)?
    ;

logicalOrExpr
    : logicalAndExpr (OROR logicalAndExpr)*
    ;

logicalAndExpr
    : bitOrExpr (ANDAND bitOrExpr)*
    ;

bitOrExpr
    : bitXorExpr (PIPE bitXorExpr)*
    ;

bitXorExpr
    : bitAndExpr (CARET bitAndExpr)*
    ;

bitAndExpr
    : equalityExpr (AMP equalityExpr)*
    ;

equalityExpr
    : relationalExpr ((EQEQ | NEQ) relationalExpr)*
    ;

relationalExpr
    : shiftExpr ((LT | GT | LE | GE) shiftExpr)*
    ;

shiftExpr
    : additive ((SHL | SHR) additive)*
    ;

additive
    : multiplicative ((PLUS | MINUS) multiplicative)*
    ;

multiplicative
    : unary ((STAR | SLASH | PERCENT) unary)*
    ;

unary
    : (MINUS | PLUS | TILDE | BANG) unary
    | LPAREN DOT_NAME RPAREN unary    // (.s64) x, (.u64) x
    | primary
    ;

primary
    : INT
    | FLOAT
    | FLOAT_HEX
    | STRING
    | IDENT DOT_NAME?                 // %r1, %tid.x, sym, _ (sink)
    | IDENT LPAREN expression RPAREN  // generic(sym) in initializers
    | DOT_NAME                        // .debug_abbrev inside DWARF sections
    | LPAREN expression RPAREN
    ;
